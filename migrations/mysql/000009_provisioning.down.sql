ALTER TABLE branches
    DROP CONSTRAINT chk_branches_retell_agent_version,
    DROP CONSTRAINT chk_branches_transfer_number,
    DROP CONSTRAINT chk_branches_provisioning_status;

UPDATE branches SET provisioning_status = 'provisioned' WHERE provisioning_status = 'completed';

ALTER TABLE branches
    DROP COLUMN provisioning_started_at,
    DROP COLUMN transfer_number,
    DROP COLUMN retell_agent_version,
    ADD CONSTRAINT chk_branches_provisioning_status CHECK (provisioning_status IN ('pending', 'provisioning', 'provisioned', 'failed'));
