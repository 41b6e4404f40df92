using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Matroska;
using MediaCore.Protocol.Rtp;
using MediaCore.Routing;
using MediaCore.Routing.Recording;

namespace MediaCore.Benchmarks;

/// <summary>
/// The recorder's cost per packet: a 1 Mbps-class VP8 track (1100 B packets, 4 per frame, 30 fps, a key frame
/// every 100 frames) through <see cref="TrackRecorder"/>: reorder buffer, frame assembly, cluster building and
/// the file append. <see cref="ToDisk"/> false: to a sink that only counts bytes (the recorder's own work); true: each
/// cluster written to a real file as the host does (<c>RecordingFile</c>: a <see cref="FileStream"/> without a user-space
/// buffer, one <c>pwrite</c> per cluster), wrapping at 64 MB so the benchmark does not fill the disk. One operation = one
/// packet. Allocated must be 0.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class RecorderBenchmarks
{
    private sealed class NullFile : IRecordingFile
    {
        public string Name => "bench.webm";
        public long Length { get; private set; }
        public void Append(ReadOnlySpan<byte> data) => Length += data.Length;
        public void Patch(long offset, ReadOnlySpan<byte> data) { }
        public void Close() { }
    }

    private sealed class NullFiles : IRecordingFileFactory
    {
        public IRecordingFile Create(Producer producer, MatroskaTrack track) => new NullFile();
    }

    /// <summary>The host's write (FileStream, bufferSize 0: straight to the kernel), at offsets wrapping every 64 MB.</summary>
    private sealed class DiskFile(string path) : IRecordingFile
    {
        private const long Wrap = 64 << 20;
        private readonly FileStream _stream = new(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        public string Name => Path.GetFileName(path);
        public long Length { get; private set; }

        public void Append(ReadOnlySpan<byte> data)
        {
            _stream.Position = Length % Wrap;
            _stream.Write(data);
            Length += data.Length;
        }

        public void Patch(long offset, ReadOnlySpan<byte> data)
        {
            _stream.Position = offset % Wrap;
            _stream.Write(data);
        }

        public void Close() => _stream.Dispose();
    }

    private sealed class DiskFiles(string path) : IRecordingFileFactory
    {
        public DiskFile? File { get; private set; }
        public IRecordingFile Create(Producer producer, MatroskaTrack track) => File = new DiskFile(path);
    }

    /// <summary>False: a sink that only counts bytes; true: a real file (the kernel's write included).</summary>
    [Params(false, true)]
    public bool ToDisk { get; set; }

    private string? _path;
    private DiskFiles? _disk;

    private const int PacketsPerFrame = 4;
    private const int Frames = 100;
    private readonly byte[][] _packets = new byte[PacketsPerFrame * Frames][];
    private TrackRecorder _recorder = null!;
    private ProducerEncoding _encoding = null!;
    private int _index;
    private ushort _seq = 1;
    private uint _ts = 90000;
    private long _now;

    [GlobalSetup]
    public void Setup()
    {
        var router = new Router();
        var producer = router.CreateProducer(0, new ProducerOptions
        {
            Id = "p", ParticipantId = "site:1", Kind = MediaKind.Video, Codec = CodecKind.Vp8, ClockRate = 90000,
            PayloadType = new PayloadType(96), Encodings = [new ProducerEncodingOptions { Ssrc = 0x1234 }],
        });
        _encoding = producer.Encodings[0];
        IRecordingFileFactory files = new NullFiles();
        if (ToDisk)
        {
            // Beside the benchmark's working directory (the recordings' disk), not a tmpfs.
            _path = Path.Combine(Environment.CurrentDirectory, $"recorder-bench-{Environment.ProcessId}.webm");
            files = _disk = new DiskFiles(_path);
        }
        _recorder = new TrackRecorder(producer, new SenderClock(), 0, DateTimeOffset.UnixEpoch, files);
        var w = new RtpPacketWriter { Ssrc = new Ssrc(0x1234), PayloadType = new PayloadType(96) };
        for (int f = 0; f < Frames; f++)
        {
            for (int p = 0; p < PacketsPerFrame; p++)
            {
                var payload = new byte[1100];
                payload[0] = p == 0 ? (byte)0x10 : (byte)0x00;          // VP8 descriptor: S on the first packet
                payload[1] = f == 0 && p == 0 ? (byte)0x10 : (byte)0x11; // P bit: key frame only for frame 0
                w.Payload = payload;
                w.Marker = p == PacketsPerFrame - 1;
                _packets[f * PacketsPerFrame + p] = new byte[w.GetSerializedSize()];
                w.WriteTo(_packets[f * PacketsPerFrame + p]);
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _disk?.File?.Close();
        if (_path != null) File.Delete(_path);
    }

    [Benchmark]
    public void RecordPacket()
    {
        var bytes = _packets[_index];
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), _seq++);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), _ts);
        RtpPacket.TryParse(bytes, out var packet);
        _recorder.OnRtp(_now, _encoding, packet);
        if (++_index == _packets.Length) _index = 0;
        if (_index % PacketsPerFrame == 0)
        {
            _ts += 3000;
            _now += 333_333;
        }
    }
}
