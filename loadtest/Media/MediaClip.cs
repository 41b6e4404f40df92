using System.Buffers.Binary;
using System.Diagnostics;

namespace MediaCore.LoadTest.Media;

/// <summary>One encoded frame of the clip.</summary>
internal readonly record struct EncodedFrame(byte[] Data, bool IsKeyFrame);

/// <summary>
/// Real encoded media for the simulated publishers: VP8 (IVF) and Opus (Ogg) made once with Debian's
/// ffmpeg and cached on disk, so every packet a simulated site sends is something a browser decodes.
/// </summary>
internal sealed class MediaClip
{
    public const int VideoFps = 30;
    public const int AudioFrameMs = 20;

    private MediaClip(EncodedFrame[] video, byte[][] audio, byte[][] otherAudio, int videoKbps)
    {
        Video = video;
        Audio = audio;
        OtherAudio = otherAudio;
        VideoKbps = videoKbps;
        var keys = new List<int>();
        for (int i = 0; i < video.Length; i++) if (video[i].IsKeyFrame) keys.Add(i);
        KeyFrames = keys.ToArray();
    }

    public EncodedFrame[] Video { get; }
    public byte[][] Audio { get; }
    /// <summary>A second Opus clip (another tone) for the sites' own audio, so the delay probe never confuses it with the program's.</summary>
    public byte[][] OtherAudio { get; }
    public int VideoKbps { get; }
    /// <summary>Indexes of the key frames in <see cref="Video"/>, ascending.</summary>
    public int[] KeyFrames { get; }

    /// <summary>The first key frame after <paramref name="index"/> (wrapping), where a PLI makes the publisher jump.</summary>
    public int NextKeyFrame(int index)
    {
        foreach (int k in KeyFrames) if (k > index) return k;
        return KeyFrames.Length > 0 ? KeyFrames[0] : 0;
    }

    /// <summary>Flash-and-beep clip: a white flash and a 1 kHz beep start together every this many seconds.</summary>
    public const double FlashBeepPeriodSeconds = 2.0;
    /// <summary>How long each flash and each beep lasts (the flash spans several frames, so a 25 fps composite keeps it).</summary>
    public const double FlashBeepOnSeconds = 0.2;

    /// <summary>True when the main publishers send <see cref="LoadOrCreate"/>'s flash-and-beep clip.</summary>
    public bool IsFlashBeep { get; private init; }

    /// <summary>
    /// Loads the cached clip for <paramref name="videoKbps"/>, encoding it with ffmpeg the first time. With
    /// <paramref name="flashBeep"/> the main video and audio are the flash-and-beep clip: black with a small moving test
    /// picture, a white full-frame flash and a 1 kHz beep (silence otherwise) starting together at every multiple of
    /// <see cref="FlashBeepPeriodSeconds"/>, a key frame every second. Both loop at exactly <paramref name="seconds"/>
    /// (a multiple of the period), so the flash and the beep stay together however long the publisher runs.
    /// </summary>
    public static MediaClip LoadOrCreate(string cacheDir, int videoKbps, int seconds = 10, bool flashBeep = false)
    {
        Directory.CreateDirectory(cacheDir);
        string ivf = Path.Combine(cacheDir, $"vp8-640x360-{VideoFps}fps-{videoKbps}k-{seconds}s.ivf");
        string ogg = Path.Combine(cacheDir, $"opus-48k-{AudioFrameMs}ms-{seconds}s.ogg");
        string otherOgg = Path.Combine(cacheDir, $"opus-48k-{AudioFrameMs}ms-{seconds}s-site.ogg");
        if (flashBeep)
        {
            if (seconds % (int)FlashBeepPeriodSeconds != 0) throw new ArgumentException("the flash-and-beep clip must last a whole number of periods");
            ivf = Path.Combine(cacheDir, $"flash-vp8-640x360-{VideoFps}fps-{videoKbps}k-{seconds}s.ivf");
            ogg = Path.Combine(cacheDir, $"beep-opus-48k-{AudioFrameMs}ms-{seconds}s.ogg");
            if (!File.Exists(ivf))
            {
                string on = FlashBeepOnSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                // Mean luma: about 10 between flashes (the inset is 1/16 of the frame), about 235 in a flash.
                Ffmpeg($"-f lavfi -i color=c=black:s=640x360:r={VideoFps}:d={seconds} -f lavfi -i testsrc2=s=160x90:r={VideoFps}:d={seconds} " +
                       $"-filter_complex [0:v][1:v]overlay=W-w-16:H-h-16,drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='lt(mod(t,{FlashBeepPeriodSeconds}),{on})' " +
                       $"-frames:v {VideoFps * seconds} -c:v libvpx -deadline realtime -cpu-used 8 -b:v {videoKbps}k -minrate {videoKbps}k -maxrate {videoKbps}k " +
                       $"-bufsize {videoKbps / 2}k -g {VideoFps} -auto-alt-ref 0 -error-resilient 1 -f ivf", ivf);
            }
            if (!File.Exists(ogg))
            {
                // Exact digital silence between the beeps (the onset detector wants < -50 dBFS before each beep).
                Ffmpeg($"-f lavfi -i aevalsrc='if(lt(mod(t,{FlashBeepPeriodSeconds}),0.1),0.5*sin(2*PI*1000*t),0)':s=48000:d={seconds} " +
                       $"-ac 1 -c:a libopus -b:a 32k -frame_duration {AudioFrameMs} -application voip -f ogg", ogg);
            }
        }
        else if (!File.Exists(ivf))
        {
            // Real-time libvpx settings like a browser's: no alt-ref frames (they would be invisible frames),
            // a key frame every 2 s, CBR at the target rate.
            Ffmpeg($"-f lavfi -i testsrc2=size=640x360:rate={VideoFps} -t {seconds} -c:v libvpx -deadline realtime -cpu-used 8 " +
                   $"-b:v {videoKbps}k -minrate {videoKbps}k -maxrate {videoKbps}k -bufsize {videoKbps / 2}k -g {VideoFps * 2} " +
                   $"-auto-alt-ref 0 -error-resilient 1 -f ivf", ivf);
        }
        if (!flashBeep && !File.Exists(ogg))
        {
            // A sweeping tone, so consecutive Opus packets differ (the delay probe matches packets by content).
            Ffmpeg($"-f lavfi -i aevalsrc='0.3*sin(2*PI*(300+40*t)*t)':s=48000:d={seconds} -ac 1 -c:a libopus -b:a 32k " +
                   $"-frame_duration {AudioFrameMs} -application voip -f ogg", ogg);
        }
        if (!File.Exists(otherOgg))
        {
            Ffmpeg($"-f lavfi -i aevalsrc='0.3*sin(2*PI*(700-30*t)*t)':s=48000:d={seconds} -ac 1 -c:a libopus -b:a 32k " +
                   $"-frame_duration {AudioFrameMs} -application voip -f ogg", otherOgg);
        }
        var video = ReadIvf(File.ReadAllBytes(ivf));
        var audio = ReadOggOpus(File.ReadAllBytes(ogg));
        if (flashBeep)
        {
            // The encoder flushes one more Opus packet (its 6.5 ms look-ahead): cut both to exactly the clip's length, so
            // every loop of audio and video lasts the same and the beeps stay on the flashes.
            int videoFrames = VideoFps * seconds, audioFrames = seconds * 1000 / AudioFrameMs;
            if (video.Length < videoFrames || audio.Length < audioFrames)
                throw new InvalidDataException($"flash-and-beep clip too short: {video.Length} video frames (need {videoFrames}), {audio.Length} Opus packets (need {audioFrames}); delete {cacheDir} and retry");
            video = video[..videoFrames];
            audio = audio[..audioFrames];
        }
        return new MediaClip(video, audio, ReadOggOpus(File.ReadAllBytes(otherOgg)), videoKbps) { IsFlashBeep = flashBeep };
    }

    private static void Ffmpeg(string args, string output)
    {
        string tmp = $"{output}.{Environment.ProcessId}.tmp"; // concurrent runs never share a temp file
        var psi = new ProcessStartInfo("ffmpeg", $"-hide_banner -loglevel error -y {args} {tmp}") { RedirectStandardError = true };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start ffmpeg (apt-get install ffmpeg)");
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"ffmpeg failed ({p.ExitCode}): {err}");
        File.Move(tmp, output, overwrite: true);
    }

    /// <summary>
    /// IVF: a 32-byte file header ("DKIF"), then per frame a 12-byte header (frame size u32 LE, pts u64 LE)
    /// and the frame. A VP8 frame is a key frame when bit 0 of its first byte (P) is 0 (RFC 6386 §9.1).
    /// </summary>
    internal static EncodedFrame[] ReadIvf(ReadOnlySpan<byte> file)
    {
        if (file.Length < 32 || file[0] != 'D' || file[1] != 'K' || file[2] != 'I' || file[3] != 'F')
            throw new InvalidDataException("not an IVF file");
        int headerSize = BinaryPrimitives.ReadUInt16LittleEndian(file[6..]);
        if (headerSize < 32 || headerSize > file.Length) throw new InvalidDataException("bad IVF header size");
        var frames = new List<EncodedFrame>();
        int pos = headerSize;
        while (pos + 12 <= file.Length)
        {
            int size = (int)BinaryPrimitives.ReadUInt32LittleEndian(file[pos..]);
            pos += 12;
            if (size <= 0 || pos + size > file.Length) break;
            var data = file.Slice(pos, size).ToArray();
            frames.Add(new EncodedFrame(data, (data[0] & 1) == 0));
            pos += size;
        }
        if (frames.Count == 0 || !frames[0].IsKeyFrame) throw new InvalidDataException("IVF has no leading key frame");
        return frames.ToArray();
    }

    /// <summary>
    /// Ogg (RFC 3533 §6): pages of "OggS", version, flags, granule (8), serial, page no, CRC, segment count
    /// and a lacing table; a packet ends at a lacing value below 255. The first two Opus packets are the
    /// OpusHead and OpusTags headers (RFC 7845 §5), not audio.
    /// </summary>
    internal static byte[][] ReadOggOpus(ReadOnlySpan<byte> file)
    {
        var packets = new List<byte[]>();
        var current = new List<byte>();
        int pos = 0;
        while (pos + 27 <= file.Length)
        {
            if (file[pos] != 'O' || file[pos + 1] != 'g' || file[pos + 2] != 'g' || file[pos + 3] != 'S')
                throw new InvalidDataException("bad Ogg page");
            int segments = file[pos + 26];
            int data = pos + 27 + segments;
            if (data > file.Length) throw new InvalidDataException("truncated Ogg page header");
            for (int i = 0; i < segments; i++)
            {
                int lace = file[pos + 27 + i];
                if (data + lace > file.Length) throw new InvalidDataException("truncated Ogg page");
                current.AddRange(file.Slice(data, lace).ToArray());
                data += lace;
                if (lace < 255)
                {
                    packets.Add(current.ToArray());
                    current.Clear();
                }
            }
            pos = data;
        }
        if (packets.Count < 3) throw new InvalidDataException("Ogg file has no Opus audio packets");
        return packets.Skip(2).ToArray();
    }
}
