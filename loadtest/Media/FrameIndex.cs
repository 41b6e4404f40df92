namespace MediaCore.LoadTest.Media;

/// <summary>Finds a clip frame from the first bytes of a received payload (see <see cref="Peers.SendClock"/>).</summary>
internal sealed class FrameIndex
{
    public const int HashBytes = 32;
    private readonly Dictionary<ulong, int> _video = [];
    private readonly Dictionary<ulong, int> _audio = [];

    public FrameIndex(MediaClip clip)
    {
        Build(_video, clip.Video.Select(f => f.Data).ToArray());
        Build(_audio, clip.Audio);
    }

    public bool TryFindVideo(ReadOnlySpan<byte> frameStart, out int index) => _video.TryGetValue(Hash(frameStart), out index);
    public bool TryFindAudio(ReadOnlySpan<byte> payload, out int index) => _audio.TryGetValue(Hash(payload), out index);

    private static void Build(Dictionary<ulong, int> map, byte[][] frames)
    {
        var duplicates = new HashSet<ulong>();
        for (int i = 0; i < frames.Length; i++)
        {
            ulong h = Hash(frames[i]);
            if (!map.TryAdd(h, i)) duplicates.Add(h);
        }
        foreach (var d in duplicates) map.Remove(d);
    }

    /// <summary>FNV-1a over the first <see cref="HashBytes"/> bytes.</summary>
    public static ulong Hash(ReadOnlySpan<byte> data)
    {
        ulong h = 14695981039346656037UL;
        foreach (byte b in data[..Math.Min(HashBytes, data.Length)])
        {
            h ^= b;
            h *= 1099511628211UL;
        }
        return h;
    }
}
