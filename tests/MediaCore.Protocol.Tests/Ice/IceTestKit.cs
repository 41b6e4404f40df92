using System.Net;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Ice;
using MediaCore.Protocol.Stun;

namespace MediaCore.Protocol.Tests.Ice;

/// <summary>Builds connectivity checks the way a controlling browser does, and drains agents.</summary>
internal static class IceTestKit
{
    public static readonly IceCredentials Server = new("srvUfrag", "serverPassword0123456789");
    public static readonly IceCredentials Browser = new("brws", "browserPassword012345678");

    public static PeerAddress Address(string ip, int port) => PeerAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse(ip), port));

    public static readonly PeerAddress BrowserA = Address("192.0.2.10", 50000);
    public static readonly PeerAddress BrowserB = Address("198.51.100.7", 61000);
    public static readonly PeerAddress BrowserV6 = Address("2001:db8::7", 40000);

    public static long Seconds(double s) => MediaTime.FromSeconds(s);

    /// <summary>A Binding request from the browser to the server (RFC 8445 §7.2.2).</summary>
    public static byte[] Check(
        bool useCandidate = false,
        string? password = null,
        string? username = null,
        bool fingerprint = true,
        bool integrity = true,
        bool controlled = false,
        ushort extraAttribute = 0,
        StunTransactionId? transactionId = null)
    {
        var buf = new byte[StunMessageWriter.RecommendedBufferSize];
        var w = new StunMessageWriter(buf, StunMethod.Binding, StunClass.Request, transactionId ?? StunTransactionId.NewRandom());
        w.AddUsername(username ?? $"{Server.Ufrag}:{Browser.Ufrag}");
        w.AddPriority(1853824767);
        if (controlled) w.AddIceControlled(42);
        else w.AddIceControlling(0x0102030405060708UL);
        if (useCandidate) w.AddUseCandidate();
        if (extraAttribute != 0) w.AddAttribute(extraAttribute, [1, 2, 3, 4]);
        if (integrity)
        {
            using var key = StunIntegrityKey.ForShortTerm(password ?? Server.Password);
            w.AddMessageIntegrity(key);
        }
        if (fingerprint) w.AddFingerprint();
        return buf.AsSpan(0, w.Length).ToArray();
    }

    public static List<(PeerAddress To, byte[] Data)> DrainTransmits(IceLiteAgent agent)
    {
        var list = new List<(PeerAddress, byte[])>();
        while (agent.TryPollTransmit(out var t))
        {
            list.Add((t.Destination, t.Payload.ToArray()));
            t.Return();
        }
        return list;
    }

    public static List<IceEvent> DrainEvents(IceLiteAgent agent)
    {
        var list = new List<IceEvent>();
        while (agent.TryPollEvent(out var e)) list.Add(e);
        return list;
    }
}
