using System.Diagnostics;
using System.Globalization;

namespace MediaCore.LoadTest.Reporting;

/// <summary>CPU % and RSS of a process from /proc (utime + stime, proc(5)); the load generator samples itself the same way.</summary>
internal sealed class ProcSampler
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux
    private readonly int _pid;
    private double _lastCpuSeconds;
    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private double _lastWall;

    public ProcSampler(int pid)
    {
        _pid = pid;
        _lastCpuSeconds = CpuSeconds() ?? 0;
    }

    public int Pid => _pid;

    /// <summary>CPU % of one core since the previous call, and resident memory in MB.</summary>
    public (double CpuPercent, double RssMb) Sample()
    {
        double cpu = CpuSeconds() ?? _lastCpuSeconds;
        double wall = _wall.Elapsed.TotalSeconds;
        double pct = wall > _lastWall ? (cpu - _lastCpuSeconds) / (wall - _lastWall) * 100 : 0;
        _lastCpuSeconds = cpu;
        _lastWall = wall;
        return (Math.Round(pct, 1), Math.Round(RssMb(), 1));
    }

    public double? CpuSeconds()
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{_pid}/stat");
            // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private double RssMb()
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{_pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
            }
        }
        catch (IOException)
        {
        }
        return 0;
    }

    /// <summary>
    /// The kernel's UDP receive-buffer overflow count (RcvbufErrors in /proc/net/snmp, for the whole network
    /// namespace): datagrams dropped because a socket's reader (server or load generator) fell behind.
    /// </summary>
    public static long UdpReceiveBufferErrors()
    {
        try
        {
            var lines = File.ReadAllLines("/proc/net/snmp").Where(l => l.StartsWith("Udp:", StringComparison.Ordinal)).ToArray();
            if (lines.Length < 2) return 0;
            var names = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var values = lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            int i = Array.IndexOf(names, "RcvbufErrors");
            return i > 0 ? long.Parse(values[i], CultureInfo.InvariantCulture) : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>
    /// The pid of the process with a TCP socket listening on <paramref name="port"/> (/proc/net/tcp and tcp6, state
    /// 0A = LISTEN, then the process holding that socket inode among its /proc/PID/fd links); null when none is
    /// visible (another user's process without root, or another network namespace).
    /// </summary>
    public static int? FindListener(int port)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            try
            {
                foreach (var line in File.ReadLines(table).Skip(1))
                {
                    var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (f.Length < 10 || f[3] != "0A") continue;
                    int colon = f[1].LastIndexOf(':');
                    if (colon < 0 || !int.TryParse(f[1][(colon + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int p) || p != port) continue;
                    inodes.Add($"socket:[{f[9]}]");
                }
            }
            catch (IOException)
            {
            }
        }
        if (inodes.Count == 0) return null;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || pid == Environment.ProcessId) continue;
            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(dir, "fd")))
                {
                    if (new FileInfo(fd).LinkTarget is { } target && inodes.Contains(target)) return pid;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Processes come and go; other users' fds are unreadable without root.
            }
        }
        return null;
    }

    /// <summary>The MediaServer's pid: a process whose command line names MediaCore.Server (not us).</summary>
    public static int? FindServer()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || pid == Environment.ProcessId) continue;
            try
            {
                string cmd = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmd.Contains("MediaCore.Server", StringComparison.Ordinal) && !cmd.Contains("dotnet run", StringComparison.Ordinal)
                    && !cmd.Contains("MSBuild", StringComparison.Ordinal) && !cmd.Contains("build", StringComparison.Ordinal))
                    return pid;
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return null;
    }
}

/// <summary>Reads a few series from the server's /metrics (Prometheus text format).</summary>
internal static class MetricsScraper
{
    public static async Task<Dictionary<string, double>> ScrapeAsync(HttpClient http, Uri server, CancellationToken ct)
    {
        var result = new Dictionary<string, double>();
        try
        {
            string text = await http.GetStringAsync(new Uri(server, "/metrics"), ct);
            foreach (var line in text.Split('\n'))
            {
                if (line.Length == 0 || line[0] == '#') continue;
                int space = line.LastIndexOf(' ');
                if (space <= 0) continue;
                string name = line[..space];
                if (!name.StartsWith("mediacore_", StringComparison.Ordinal) && !name.StartsWith("process_", StringComparison.Ordinal)) continue;
                if (name.Contains("_bucket{", StringComparison.Ordinal)) continue;
                if (double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out double v)) result[name] = v;
            }
        }
        catch (HttpRequestException)
        {
        }
        return result;
    }
}

/// <summary>
/// The hypervisor's steal time (/proc/stat, the aggregate "cpu" line: time the virtual CPUs were runnable but another
/// guest ran): a stall of every process at once on a virtual machine shows up here.
/// </summary>
internal sealed class StealSampler
{
    private long _lastSteal, _lastTotal;

    public StealSampler() => Read(out _lastSteal, out _lastTotal);

    /// <summary>Steal time since the previous call, percent of all CPU time.</summary>
    public double Sample()
    {
        if (!Read(out long steal, out long total)) return 0;
        long dTotal = total - _lastTotal, dSteal = steal - _lastSteal;
        _lastSteal = steal;
        _lastTotal = total;
        return dTotal > 0 ? Math.Round(100.0 * dSteal / dTotal, 1) : 0;
    }

    private static bool Read(out long steal, out long total)
    {
        steal = total = 0;
        try
        {
            using var reader = new StreamReader("/proc/stat");
            var line = reader.ReadLine();
            if (line == null || !line.StartsWith("cpu ", StringComparison.Ordinal)) return false;
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // user nice system idle iowait irq softirq steal (guest time is already inside user).
            for (int i = 1; i < f.Length && i <= 8; i++) total += long.Parse(f[i], CultureInfo.InvariantCulture);
            steal = f.Length > 8 ? long.Parse(f[8], CultureInfo.InvariantCulture) : 0;
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
