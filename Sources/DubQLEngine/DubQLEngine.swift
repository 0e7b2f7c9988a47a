// DubQLEngine: the local engine. Loaders (`EventLoader`: JSON array, NDJSON, gzip, stdin, memory)
// build a columnar `EventStore`; `Executor` runs `LocalPlan`s over it;
// `Generator` makes synthetic events and `DemoData` the built-in dataset. Rows are printed by DubQLOutput.
import DubQL
