// zlib (apt: zlib1g-dev), for reading gzip-compressed event files.
#include <zlib.h>
