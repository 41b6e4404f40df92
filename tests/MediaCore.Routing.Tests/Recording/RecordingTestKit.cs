using System.Diagnostics;
using System.Globalization;
using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Matroska;
using MediaCore.Protocol.Rtp;
using MediaCore.Routing.Recording;

namespace MediaCore.Routing.Tests.Recording;

/// <summary>A recorder file in memory.</summary>
internal sealed class MemoryRecordingFile(string name) : IRecordingFile
{
    public MemoryStream Stream { get; } = new();
    public string Name { get; } = name;
    public long Length => Stream.Length;
    public bool Closed { get; private set; }
    public int Appends { get; private set; }

    public void Append(ReadOnlySpan<byte> data)
    {
        Stream.Position = Stream.Length;
        Stream.Write(data);
        Appends++;
    }

    public void Patch(long offset, ReadOnlySpan<byte> data)
    {
        Stream.Position = offset;
        Stream.Write(data);
    }

    public void Close() => Closed = true;
    public byte[] Bytes => Stream.ToArray();
}

internal sealed class MemoryFiles : IRecordingFileFactory
{
    public List<MemoryRecordingFile> Files { get; } = [];

    public IRecordingFile Create(Producer producer, MatroskaTrack track)
    {
        var f = new MemoryRecordingFile($"{producer.Id}{track.FileExtension}");
        Files.Add(f);
        return f;
    }
}

/// <summary>Routes a router's producer packets to track recorders (what the server's RoomRecorder does).</summary>
internal sealed class RecorderTap(Dictionary<Producer, TrackRecorder> tracks) : IProducerRtpObserver
{
    public void OnRtp(long nowTicks, Producer producer, ProducerEncoding encoding, in RtpPacket packet)
    {
        if (tracks.TryGetValue(producer, out var t)) t.OnRtp(nowTicks, encoding, packet);
    }
}

internal static class RecordingTestKit
{
    public static ProducerOptions Audio(string id, uint ssrc, string participant = "p1") => new()
    {
        Id = id,
        ParticipantId = participant,
        Kind = MediaKind.Audio,
        Codec = CodecKind.Opus,
        ClockRate = 48000,
        PayloadType = new PayloadType(111),
        Encodings = [new ProducerEncodingOptions { Ssrc = ssrc }],
    };

    /// <summary>A VP8 frame payload large enough to be split (descriptor added per packet by <see cref="Vp8Packets"/>).</summary>
    public static List<byte[]> Vp8Packets(RtpPacketWriter w, bool key, int frameSize, int maxPayload = 1000)
    {
        var frame = new byte[frameSize];
        frame[0] = key ? (byte)0x10 : (byte)0x11; // P bit: 0 key frame
        if (key && frameSize >= 10)
        {
            frame[3] = 0x9d; frame[4] = 0x01; frame[5] = 0x2a; // key frame start code (RFC 6386 §9.1)
            frame[6] = 640 & 0xFF; frame[7] = 640 >> 8; frame[8] = 480 & 0xFF; frame[9] = 480 >> 8;
        }
        var packets = new List<byte[]>();
        for (int off = 0; off < frameSize; off += maxPayload)
        {
            int n = Math.Min(maxPayload, frameSize - off);
            var payload = new byte[1 + n];
            payload[0] = off == 0 ? (byte)0x10 : (byte)0x00; // S bit on the first packet, PID 0
            Array.Copy(frame, off, payload, 1, n);
            w.Payload = payload;
            w.Marker = off + n >= frameSize;
            var bytes = new byte[w.GetSerializedSize()];
            w.WriteTo(bytes);
            w.SequenceNumber++;
            packets.Add(bytes);
        }
        return packets;
    }

    /// <summary>Every frame's time (ms, the file's clock) in file order, read with the Matroska block reader.</summary>
    public static List<long> BlockTimes(byte[] file)
    {
        Assert.True(MatroskaBlockReader.TryOpen(new MemoryStream(file), out var reader, out string error), error);
        var times = new List<long>();
        while (reader!.TryReadFrame(out _, out long ms, out _, out _)) times.Add(ms);
        Assert.Null(reader.Error);
        return times;
    }

    /// <summary>Runs ffprobe on <paramref name="file"/>: format duration and the stream's codec name.</summary>
    public static (double Duration, string Codec, int Packets) Probe(byte[] file, string extension)
    {
        string path = Path.Combine(Path.GetTempPath(), $"mediacore-rec-{Guid.NewGuid():N}{extension}");
        File.WriteAllBytes(path, file);
        try
        {
            var psi = new ProcessStartInfo("ffprobe")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var a in new[] { "-v", "error", "-count_packets", "-show_entries", "format=duration:stream=codec_name,nb_read_packets", "-of", "default=nw=1", path })
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            string output = p.StandardOutput.ReadToEnd();
            string error = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"ffprobe failed: {error}");
            double duration = 0;
            string codec = "";
            int packets = 0;
            foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var kv = line.Split('=', 2);
                if (kv[0] == "duration") duration = double.Parse(kv[1], CultureInfo.InvariantCulture);
                if (kv[0] == "codec_name") codec = kv[1];
                if (kv[0] == "nb_read_packets") packets = int.Parse(kv[1], CultureInfo.InvariantCulture);
            }
            return (duration, codec, packets);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
