using BenchmarkDotNet.Running;

// Run: dotnet run -c Release --project benchmarks/MediaCore.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

public partial class Program;
