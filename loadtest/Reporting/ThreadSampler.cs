using System.Diagnostics;
using System.Globalization;

namespace MediaCore.LoadTest.Reporting;

/// <summary>
/// Per-thread scheduler statistics of a process (/proc/PID/task/TID/schedstat: time on a CPU, time waiting
/// on a run queue). The busiest thread's run and wait shares show what bounds a run: a forwarding thread
/// near 100% run is CPU-bound; one with a large wait share is starved by other load on the machine.
/// </summary>
internal sealed class ThreadSampler(int pid)
{
    private readonly Dictionary<string, (long Run, long Wait)> _last = [];
    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private double _lastWall;

    /// <summary>The busiest thread since the previous call: its name, % of wall time running, % waiting for a CPU.</summary>
    public (string Thread, double RunPercent, double WaitPercent) Sample()
    {
        double wall = _wall.Elapsed.TotalSeconds;
        double dt = wall - _lastWall;
        _lastWall = wall;
        string best = "";
        long bestRun = -1, bestWait = 0;
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                string tid = Path.GetFileName(task);
                string[] f;
                string name;
                try
                {
                    f = File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ');
                    name = File.ReadAllText(Path.Combine(task, "comm")).Trim();
                }
                catch (IOException)
                {
                    continue;
                }
                long run = long.Parse(f[0], CultureInfo.InvariantCulture), wait = long.Parse(f[1], CultureInfo.InvariantCulture);
                string key = tid;
                if (_last.TryGetValue(key, out var prev) && run - prev.Run > bestRun)
                {
                    bestRun = run - prev.Run;
                    bestWait = wait - prev.Wait;
                    best = name;
                }
                _last[key] = (run, wait);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        if (bestRun < 0 || dt <= 0) return ("", 0, 0);
        return (best, Math.Round(bestRun / 1e9 / dt * 100, 1), Math.Round(bestWait / 1e9 / dt * 100, 1));
    }
}
