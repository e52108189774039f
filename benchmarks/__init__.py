"""Speed and accuracy benchmarks: each prints a table and writes benchmarks/results/*.json."""
