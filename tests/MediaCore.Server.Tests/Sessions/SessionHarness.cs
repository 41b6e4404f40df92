using MediaCore.Protocol.Core;
using MediaCore.Protocol.Sdp;
using MediaCore.Protocol.Stun;
using MediaCore.Server.Auth;
using MediaCore.Server.Options;
using MediaCore.Server.Rooms;
using MediaCore.Server.Sessions;
using MediaCore.Server.Signalling;
using MediaCore.Server.Timers;
using MediaCore.Server.Udp;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaCore.Server.Tests.Sessions;

/// <summary>A MediaEngine without sockets: datagrams go in by call, what it sends is recorded.</summary>
internal sealed class SessionHarness
{
    public SessionHarness()
    {
        var clock = new MediaClock();
        Timers = new TimerWheel(TimeSpan.FromMilliseconds(10).Ticks, startTicks: clock.NowTicks);
        Engine = new MediaEngine(new MediaServerOptions { TokenSecret = new string('x', 40) }, Sent, 40000, Timers, clock,
            NullLogger<MediaEngine>.Instance);
        Sessions = new SessionManager(Engine);
    }

    public RecordingSender Sent { get; } = new();
    public TimerWheel Timers { get; }
    public MediaEngine Engine { get; }
    public SessionManager Sessions { get; }

    public static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));

    public async Task<(SessionResult.Created Created, SessionDescription Answer)> PublishAsync(string room, string offer)
    {
        var result = await Sessions.PublishAsync(RoomId.Parse(room), new ParticipantInfo("site-1", ParticipantRole.Speaker), offer, default);
        var created = Assert.IsType<SessionResult.Created>(result);
        Assert.True(SdpParser.TryParse(created.AnswerSdp, out var answer, out string error), error);
        return (created, answer);
    }

    /// <summary>A valid ICE connectivity check (RFC 8445 §7.1.2) for the session's credentials.</summary>
    public static byte[] BindingRequest(string localUfrag, string remoteUfrag, string localPassword, bool useCandidate)
    {
        var buffer = new byte[StunMessageWriter.RecommendedBufferSize];
        var w = new StunMessageWriter(buffer, StunMethod.Binding, StunClass.Request, StunTransactionId.NewRandom());
        w.AddUsername($"{localUfrag}:{remoteUfrag}");
        w.AddPriority(0x6E7F1EFF);
        w.AddIceControlling(12345);
        if (useCandidate) w.AddUseCandidate();
        using var key = StunIntegrityKey.ForShortTerm(localPassword);
        w.AddMessageIntegrity(key);
        w.AddFingerprint();
        return w.Written.ToArray();
    }
}

internal sealed class RecordingSender : IDatagramSender
{
    private int _count;
    public int Count => Volatile.Read(ref _count);
    public PeerAddress LastDestination { get; private set; }

    public bool Send(ReadOnlySpan<byte> datagram, PeerAddress to)
    {
        Interlocked.Increment(ref _count);
        LastDestination = to;
        return true;
    }
}
