using BenchmarkDotNet.Running;

// Run: dotnet run -c Release --project benchmarks/MediaCore.Benchmarks -- --filter '*'
// Cluster directory throughput against a real Redis: dotnet run ... -- directory-joins 127.0.0.1:6390 [joins] [nodes]
if (args.Length > 0 && args[0] == "directory-joins") return await MediaCore.Benchmarks.DirectoryJoins.RunAsync(args);
// Forwarded datagrams per CPU-second against the sendto ceiling: dotnet run ... -- fanout-cpu [subscribers] [seconds] [rounds] [paths]
if (args.Length > 0 && args[0] == "fanout-cpu") return MediaCore.Benchmarks.FanOutCpu.Run(args);
// Which types a fan-out allocates, process-wide: dotnet run ... -- fanout-alloc [subscribers] [fan-outs] [path]
if (args.Length > 0 && args[0] == "fanout-alloc") return MediaCore.Benchmarks.FanOutAllocations.Run(args);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;

public partial class Program;
