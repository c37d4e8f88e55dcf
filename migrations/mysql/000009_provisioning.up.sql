-- 000009 what provisioning records on a branch.
--
-- retell_agent_version is the agent version provisioning published and bound
-- to the branch's number; transfer_number (E.164) is the person a caller can
-- be handed to (a transfer_call tool when set). provisioning_started_at is
-- the lease of a run in progress: a second run is refused while it is fresh,
-- and a crashed run's lease expires (pkg/provision).
--
-- A finished run is 'completed', as the spec and DESIGN name it; 000001's
-- 'provisioned' is renamed.

ALTER TABLE branches
    ADD COLUMN retell_agent_version    INT          NULL,
    ADD COLUMN transfer_number         VARCHAR(20)  NULL,
    ADD COLUMN provisioning_started_at DATETIME(6)  NULL,
    DROP CONSTRAINT chk_branches_provisioning_status;

UPDATE branches SET provisioning_status = 'completed' WHERE provisioning_status = 'provisioned';

ALTER TABLE branches
    ADD CONSTRAINT chk_branches_provisioning_status CHECK (provisioning_status IN ('pending', 'provisioning', 'completed', 'failed')),
    ADD CONSTRAINT chk_branches_transfer_number CHECK (transfer_number REGEXP '^[+][1-9][0-9]{1,14}$'),
    ADD CONSTRAINT chk_branches_retell_agent_version CHECK (retell_agent_version >= 0);
