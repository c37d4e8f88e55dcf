package booking

// SetTestHooks sets the hooks tests synchronise on: onWait runs when a
// repeat starts waiting for the first run's answer, onFinish when a run has
// recorded or released its answer. Either may be nil.
func SetTestHooks(f *Functions, onWait, onFinish func()) { f.onWait, f.onFinish = onWait, onFinish }
