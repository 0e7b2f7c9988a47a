// SQLite's C API (`libsqlite3-dev`), for the planner benchmark's side-by-side only.
#include <sqlite3.h>
