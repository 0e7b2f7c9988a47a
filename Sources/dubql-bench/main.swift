// Benchmarks of DubQL: see README "Benchmarks".
print("dubql-bench")
