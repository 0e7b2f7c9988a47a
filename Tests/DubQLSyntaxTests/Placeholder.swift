// Syntax tests
import Testing
