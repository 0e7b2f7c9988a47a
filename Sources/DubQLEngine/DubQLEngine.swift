// DubQLEngine: the local engine. Loaders (`EventLoader`: JSON array, NDJSON, gzip, stdin, memory)
// build a columnar `EventStore`; `Executor` runs `LocalPlan`s over it; `ResultWriter` renders rows
// in every `OutputFormat`; `Generator` makes synthetic events and `DemoData` the built-in dataset.
import DubQL
