using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Portcullis.Benchmarks.SchemaValidationBenchmarks).Assembly).Run(args);
