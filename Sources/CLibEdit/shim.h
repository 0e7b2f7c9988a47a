// libedit's readline-compatible API (apt: libedit-dev).
#include <stdio.h>
#include <editline/readline.h>
