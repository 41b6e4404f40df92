using System.Text;
using MediaCore.Protocol.Matroska;
using MediaCore.Protocol.Rtp;
using MediaCore.Routing;
using MediaCore.Routing.Recording;
using MediaCore.Server.Sessions;

namespace MediaCore.Server.Recording;

/// <summary>
/// One running recording of a room: a tap on the room's <see cref="Router"/> that gives every producer its own
/// <see cref="TrackRecorder"/> (one file per participant track, created at the track's first frame, so late
/// joiners are recorded from their join). Used under <see cref="MediaEngine.Gate"/>.
/// </summary>
public sealed class RoomRecorder : IProducerRtpObserver, IRecordingFileFactory
{
    private readonly Dictionary<Producer, TrackRecorder> _byProducer = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, SenderClock> _clocks = new(StringComparer.Ordinal);
    private readonly List<TrackRecorder> _all = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly TrackRecorderOptions _trackOptions;
    private readonly Action _filesChanged;
    private MediaRoom? _room;

    internal RoomRecorder(string id, string room, string directory, long originTicks, DateTimeOffset originUtc,
        TrackRecorderOptions trackOptions, Action filesChanged)
    {
        Id = id;
        Room = room;
        Directory = directory;
        OriginTicks = originTicks;
        OriginUtc = originUtc;
        _trackOptions = trackOptions;
        _filesChanged = filesChanged;
    }

    public string Id { get; }
    public string Room { get; }
    public string Directory { get; }
    public long OriginTicks { get; }
    public DateTimeOffset OriginUtc { get; }
    public IReadOnlyList<TrackRecorder> Tracks => _all;
    /// <summary>Composite layout after the stop: <c>program</c> or <c>grid</c>.</summary>
    public string Layout { get; init; } = "program";

    /// <summary>Starts recording <paramref name="room"/> (the room instance live now, or created later).</summary>
    internal void Attach(MediaRoom room)
    {
        if (_room == room) return;
        _room = room;
        room.Router.AddObserver(this);
    }

    /// <summary>The room instance ended (everyone left): its tracks' files are finished.</summary>
    internal void Detach(long nowTicks, MediaRoom room)
    {
        if (_room != room) return;
        room.Router.RemoveObserver(this);
        _room = null;
        foreach (var t in _byProducer.Values) t.Finish(nowTicks);
        _byProducer.Clear();
    }

    /// <summary>A producer closed (its publisher left): finish its file.</summary>
    internal void OnProducerClosed(long nowTicks, Producer producer)
    {
        if (!_byProducer.Remove(producer, out var track)) return;
        track.Finish(nowTicks);
        _filesChanged();
    }

    /// <summary>Finishes every file.</summary>
    internal void Stop(long nowTicks)
    {
        if (_room != null) Detach(nowTicks, _room);
    }

    public void OnRtp(long nowTicks, Producer producer, ProducerEncoding encoding, in RtpPacket packet)
    {
        if (!_byProducer.TryGetValue(producer, out var track))
        {
            if (producer.IsClosed || !TrackRecorder.Supports(producer.Codec)) return;
            if (!_clocks.TryGetValue(producer.ParticipantId, out var clock))
            {
                clock = new SenderClock();
                _clocks.Add(producer.ParticipantId, clock);
            }
            track = new TrackRecorder(producer, clock, OriginTicks, OriginUtc, this, _trackOptions);
            _byProducer.Add(producer, track);
            _all.Add(track);
        }
        bool hadFile = track.File != null;
        track.OnRtp(nowTicks, encoding, packet);
        if (!hadFile && track.File != null) _filesChanged();
    }

    IRecordingFile IRecordingFileFactory.Create(Producer producer, MatroskaTrack track)
    {
        string stem = $"{Sanitize(producer.ParticipantId)}-{KindName(producer)}";
        string name = stem + track.FileExtension;
        for (int n = 2; !_names.Add(name) || File.Exists(Path.Combine(Directory, name)); n++) name = $"{stem}-{n}{track.FileExtension}";
        return new RecordingFile(Path.Combine(Directory, name));
    }

    /// <summary>Participant ids such as <c>site:12</c> become <c>site_12</c> (letters, digits, '-', '_' and '.' only).</summary>
    internal static string Sanitize(string participantId)
    {
        var sb = new StringBuilder(participantId.Length);
        foreach (char c in participantId)
            sb.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        if (sb.Length == 0 || sb[0] == '.') sb.Insert(0, 'p');
        return sb.Length > 80 ? sb.ToString(0, 80) : sb.ToString();
    }

    /// <summary><c>audio</c>, <c>video</c> (the camera) or <c>content</c> (a screen/courseware share): file names and metadata.</summary>
    internal static string KindName(Producer producer)
        => producer.IsContent ? "content" : producer.Kind.ToString().ToLowerInvariant();

    internal static string CodecName(Protocol.Codecs.CodecKind codec) => codec switch
    {
        Protocol.Codecs.CodecKind.Opus => "opus",
        Protocol.Codecs.CodecKind.Vp8 => "vp8",
        Protocol.Codecs.CodecKind.H264 => "h264",
        _ => codec.ToString().ToLowerInvariant(),
    };
}
