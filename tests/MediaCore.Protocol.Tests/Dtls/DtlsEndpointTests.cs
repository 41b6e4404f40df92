using MediaCore.Protocol.Core;
using MediaCore.Protocol.Dtls;

namespace MediaCore.Protocol.Tests.Dtls;

public sealed class DtlsEndpointTests
{
    // Certificate generation costs a few ms; share like a server process does.
    private static readonly DtlsCertificate ServerCert = DtlsCertificate.Generate(commonName: "server");
    private static readonly DtlsCertificate ClientCert = DtlsCertificate.Generate(commonName: "client");
    private static readonly DtlsCertificate OtherCert = DtlsCertificate.Generate(commonName: "other");

    private static DtlsTestPump CreatePair(DtlsEndpointOptions? clientOptions = null, DtlsEndpointOptions? serverOptions = null,
        string? serverExpects = null, string? clientExpects = null)
    {
        var client = new DtlsEndpoint(DtlsRole.Client, ClientCert, clientExpects ?? ServerCert.Fingerprint.ToString(), clientOptions);
        var server = new DtlsEndpoint(DtlsRole.Server, ServerCert, serverExpects ?? ClientCert.Fingerprint.ToString(), serverOptions);
        return new DtlsTestPump(client, server);
    }

    // Shorter first retransmission timer than the 1 s default, so the loss tests finish sooner.
    private static readonly DtlsEndpointOptions FastRetransmit = new() { InitialRetransmitTimeout = TimeSpan.FromMilliseconds(200) };

    private static bool DoneBoth(DtlsTestPump p) => p.AnyTerminal(p.ClientEvents) && p.AnyTerminal(p.ServerEvents);

    [Fact]
    public void Handshake_DefaultOptions_BothConnectedWithGcmAndSameKeyingMaterial()
    {
        using var pump = CreatePair();
        pump.Server.Start();
        pump.Client.Start();

        Assert.True(pump.RunUntil(DoneBoth));

        var c = Assert.IsType<DtlsConnected>(Assert.Single(pump.ClientEvents));
        var s = Assert.IsType<DtlsConnected>(Assert.Single(pump.ServerEvents));
        Assert.Equal(DtlsSrtpProfile.AeadAes128Gcm, c.Profile);
        Assert.Equal(c.Profile, s.Profile);
        Assert.Equal(56, c.KeyingMaterial.Length);
        Assert.Equal(c.KeyingMaterial, s.KeyingMaterial);
        Assert.True(c.IsClient);
        Assert.False(s.IsClient);
        Assert.Equal(DtlsState.Connected, pump.Client.State);
        Assert.Equal(DtlsState.Connected, pump.Server.State);

        // What one side sends with, the other receives with (RFC 5764 §4.2).
        var ck = c.GetSrtpKeys();
        var sk = s.GetSrtpKeys();
        Assert.Equal(ck.LocalMasterKey, sk.RemoteMasterKey);
        Assert.Equal(ck.LocalMasterSalt, sk.RemoteMasterSalt);
        Assert.Equal(sk.LocalMasterKey, ck.RemoteMasterKey);
        Assert.NotEqual(ck.LocalMasterKey, ck.RemoteMasterKey);
    }

    [Fact]
    public void Handshake_Always_DatagramsFitMtu()
    {
        using var pump = CreatePair();
        pump.Server.Start();
        pump.Client.Start();

        Assert.True(pump.RunUntil(DoneBoth));

        Assert.All(pump.ClientSent.Concat(pump.ServerSent), d => Assert.InRange(d.Length, 13, 1200));
        Assert.True(pump.BothConnected());
    }

    [Fact]
    public void Handshake_ServerSupportsOnlyCm_NegotiatesCmWith60Bytes()
    {
        using var pump = CreatePair(serverOptions: new DtlsEndpointOptions { SrtpProfiles = [DtlsSrtpProfile.Aes128CmHmacSha1_80] });
        pump.Server.Start();
        pump.Client.Start();

        Assert.True(pump.RunUntil(DoneBoth));

        var c = Assert.IsType<DtlsConnected>(Assert.Single(pump.ClientEvents));
        var s = Assert.IsType<DtlsConnected>(Assert.Single(pump.ServerEvents));
        Assert.Equal(DtlsSrtpProfile.Aes128CmHmacSha1_80, c.Profile);
        Assert.Equal(DtlsSrtpProfile.Aes128CmHmacSha1_80, s.Profile);
        Assert.Equal(60, s.KeyingMaterial.Length);
        Assert.Equal(c.KeyingMaterial, s.KeyingMaterial);
    }

    [Fact]
    public void Handshake_ClientPrefersCm_ServerFollowsClientOrder()
    {
        using var pump = CreatePair(
            clientOptions: new DtlsEndpointOptions { SrtpProfiles = [DtlsSrtpProfile.Aes128CmHmacSha1_80, DtlsSrtpProfile.AeadAes128Gcm] });
        pump.Server.Start();
        pump.Client.Start();

        Assert.True(pump.RunUntil(DoneBoth));

        Assert.Equal(DtlsSrtpProfile.Aes128CmHmacSha1_80, Assert.IsType<DtlsConnected>(Assert.Single(pump.ServerEvents)).Profile);
    }

    [Fact]
    public void Handshake_NoCommonSrtpProfile_BothFail()
    {
        using var pump = CreatePair(
            clientOptions: new DtlsEndpointOptions { SrtpProfiles = [DtlsSrtpProfile.Aes128CmHmacSha1_80] },
            serverOptions: new DtlsEndpointOptions { SrtpProfiles = [DtlsSrtpProfile.AeadAes128Gcm] });
        pump.Server.Start();
        pump.Client.Start();

        Assert.True(pump.RunUntil(DoneBoth));

        var failed = Assert.IsType<DtlsFailed>(Assert.Single(pump.ServerEvents));
        Assert.Contains("SRTP", failed.Reason);
        Assert.IsType<DtlsFailed>(Assert.Single(pump.ClientEvents));
    }

    [Fact]
    public void Handshake_ServerExpectsOtherFingerprint_ServerFailsAndClientNeverConnects()
    {
        using var pump = CreatePair(serverExpects: OtherCert.Fingerprint.ToString());
        pump.Server.Start();
        pump.Client.Start();

        Assert.True(pump.RunUntil(DoneBoth));

        var failed = Assert.IsType<DtlsFailed>(Assert.Single(pump.ServerEvents));
        Assert.Contains("fingerprint mismatch", failed.Reason);
        Assert.IsType<DtlsFailed>(Assert.Single(pump.ClientEvents));
        Assert.Equal(DtlsState.Failed, pump.Server.State);
    }

    [Fact]
    public void Handshake_ClientExpectsOtherFingerprint_ClientFails()
    {
        using var pump = CreatePair(clientExpects: OtherCert.Fingerprint.ToString());
        pump.Server.Start();
        pump.Client.Start();

        Assert.True(pump.RunUntil(DoneBoth));

        var failed = Assert.IsType<DtlsFailed>(Assert.Single(pump.ClientEvents));
        Assert.Contains("fingerprint mismatch", failed.Reason);
        Assert.IsType<DtlsFailed>(Assert.Single(pump.ServerEvents));
    }

    [Fact]
    public void Handshake_LowercaseBareFingerprint_Connects()
    {
        string bareLower = ServerCert.Fingerprint.ToHex().ToLowerInvariant();
        using var pump = CreatePair(clientExpects: bareLower);
        pump.Server.Start();
        pump.Client.Start();

        Assert.True(pump.RunUntil(DoneBoth));

        Assert.True(pump.BothConnected());
    }

    [Fact]
    public void Handshake_ClientFirstFlightDroppedOnce_CompletesAfterRetransmit()
    {
        using var pump = CreatePair();
        bool dropped = false;
        pump.DropClientToServer = _ =>
        {
            if (dropped) return false;
            dropped = true;
            return true;
        };
        pump.Server.Start();
        pump.Client.Start();

        Assert.True(pump.RunUntil(DoneBoth));

        Assert.True(dropped);
        Assert.True(pump.BothConnected());
    }

    [Fact]
    public void Handshake_ServerFirstFlightDroppedOnce_CompletesAfterRetransmit()
    {
        using var pump = CreatePair(FastRetransmit, FastRetransmit);
        bool dropped = false;
        pump.DropServerToClient = _ =>
        {
            if (dropped) return false;
            dropped = true;
            return true;
        };
        pump.Server.Start();
        pump.Client.Start();

        Assert.True(pump.RunUntil(DoneBoth));

        Assert.True(dropped);
        Assert.True(pump.BothConnected());
    }

    [Fact]
    public void Handshake_EveryThirdDatagramLostBothWays_Completes()
    {
        // Deterministic loss by datagram index: each retransmitted flight (RFC 6347 §4.2.4) has a fresh
        // chance, so the handshake must get through.
        using var pump = CreatePair(FastRetransmit, FastRetransmit);
        int c2s = 0, s2c = 0;
        pump.DropClientToServer = _ => ++c2s % 3 == 0;
        pump.DropServerToClient = _ => ++s2c % 3 == 0;
        pump.Server.Start();
        pump.Client.Start();

        Assert.True(pump.RunUntil(DoneBoth));

        Assert.True(pump.BothConnected());
        var c = pump.ClientEvents.OfType<DtlsConnected>().Single();
        Assert.Equal(c.KeyingMaterial, pump.ServerEvents.OfType<DtlsConnected>().Single().KeyingMaterial);
    }

    [Fact]
    public void Handshake_ServerFinalFlightLost_ServerAnswersRetransmitAfterConnecting()
    {
        // RFC 6347 §4.2.4: the server's last flight (ChangeCipherSpec + Finished, epoch 1) can be lost
        // after the server considers itself connected; the client retransmits its flight and the server
        // must answer it from the post-handshake path.
        using var pump = CreatePair(FastRetransmit, FastRetransmit);
        bool dropping = true;
        pump.DropServerToClient = d =>
        {
            bool finalFlight = d[0] == 20 || (d[3] << 8 | d[4]) == 1;
            return dropping && finalFlight;
        };
        pump.DropClientToServer = d =>
        {
            // The client's retransmission after the drop ends the outage.
            if (pump.ServerEvents.OfType<DtlsConnected>().Any())
                dropping = false;
            return false;
        };
        pump.Server.Start();
        pump.Client.Start();

        Assert.True(pump.RunUntil(DoneBoth));

        Assert.False(dropping);
        Assert.True(pump.BothConnected());
        var c = pump.ClientEvents.OfType<DtlsConnected>().Single();
        var s = pump.ServerEvents.OfType<DtlsConnected>().Single();
        Assert.Equal(c.KeyingMaterial, s.KeyingMaterial);
    }

    [Fact]
    public void HandleReceive_NonDtlsAndGarbage_IgnoredAndHandshakeCompletes()
    {
        using var pump = CreatePair();
        var rng = new Random(5764);
        pump.Server.Start();
        var buf = new byte[300];
        for (int i = 0; i < 1000; i++)
        {
            rng.NextBytes(buf);
            buf[0] = (byte)(i % 2 == 0 ? 0 : 128 + rng.Next(64)); // STUN / RTP first bytes (RFC 7983)
            pump.Server.HandleReceive(pump.Now, buf.AsSpan(0, rng.Next(buf.Length)));
        }
        pump.Server.HandleReceive(pump.Now, ReadOnlySpan<byte>.Empty);
        pump.Client.Start();

        Assert.True(pump.RunUntil(DoneBoth));

        Assert.True(pump.BothConnected());
    }

    [Fact]
    public void HandleReceive_FuzzRandomAndMutatedClientHellos_NeverThrowsAndThreadsEnd()
    {
        // A real ClientHello to mutate: most interesting inputs are near-valid ones.
        var client = new DtlsEndpoint(DtlsRole.Client, ClientCert, null);
        var sent = new ManualResetEventSlim();   // not disposed: the background thread may still signal it
        client.OnOutput = sent.Set;
        client.Start();
        Assert.True(sent.Wait(TimeSpan.FromSeconds(10)));
        Assert.True(client.TryPollDatagram(out byte[] helloBuffer, out int helloLength));
        byte[] hello = helloBuffer.AsSpan(0, helloLength).ToArray();
        client.Dispose();

        var rng = new Random(6347);
        var servers = new List<DtlsEndpoint>();
        DtlsEndpoint? server = null;
        var buf = new byte[1500];
        for (int i = 0; i < 20_000; i++)
        {
            // A server that failed ignores input, so start a fresh one (bounded: each costs a thread).
            if (server is null || (server.State == DtlsState.Failed && servers.Count < 100))
            {
                server = new DtlsEndpoint(DtlsRole.Server, ServerCert, ClientCert.Fingerprint.ToString());
                server.Start();
                servers.Add(server);
            }
            int len;
            if (i % 2 == 0)
            {
                len = hello.Length;
                hello.CopyTo(buf, 0);
                for (int m = rng.Next(1, 5); m > 0; m--)
                    buf[rng.Next(len)] ^= (byte)(1 << rng.Next(8));
                if (rng.Next(8) == 0) len = rng.Next(len);
            }
            else
            {
                len = rng.Next(buf.Length);
                rng.NextBytes(buf.AsSpan(0, len));
                if (len > 0) buf[0] = (byte)(20 + rng.Next(4));   // record content types 20..23
                if (len > 2) { buf[1] = 0xFE; buf[2] = 0xFD; }     // DTLS 1.2
            }
            server.HandleReceive(i, buf.AsSpan(0, len));
            server.HandleTimeout(i);
            while (server.TryPollDatagram(out var d, out _))
                System.Buffers.ArrayPool<byte>.Shared.Return(d);
            while (server.TryPollEvent(out _)) { }
        }

        foreach (var s in servers)
            s.Dispose();
        Assert.All(servers, s => Assert.True(s.WaitForHandshakeThread(TimeSpan.FromSeconds(10))));
    }

    [Fact]
    public void Handshake_GarbageAfterConnected_StaysConnected()
    {
        using var pump = CreatePair();
        pump.Server.Start();
        pump.Client.Start();
        Assert.True(pump.RunUntil(DoneBoth));

        var rng = new Random(1);
        var buf = new byte[200];
        for (int i = 0; i < 200; i++)
        {
            rng.NextBytes(buf);
            buf[0] = 23; buf[1] = 0xFE; buf[2] = 0xFD; buf[3] = 0; buf[4] = 1; // epoch-1 application_data
            pump.Server.HandleReceive(pump.Now, buf);
        }
        // Let the post-handshake drain run; a close from the client then proves it is still processing.
        pump.Client.Close();
        Assert.True(pump.RunUntil(p => p.ServerEvents.Count > 1));

        Assert.IsType<DtlsClosed>(pump.ServerEvents[1]);
    }

    [Fact]
    public void Close_AfterConnected_PeerReportsClosed()
    {
        using var pump = CreatePair();
        pump.Server.Start();
        pump.Client.Start();
        Assert.True(pump.RunUntil(DoneBoth));

        pump.Server.Close();

        Assert.True(pump.RunUntil(p => p.ClientEvents.Count > 1));
        Assert.IsType<DtlsClosed>(pump.ClientEvents[1]);
        Assert.Equal(DtlsState.Closed, pump.Client.State);
        Assert.Equal(DtlsState.Closed, pump.Server.State);
    }

    [Fact]
    public void Dispose_MidHandshake_EndsThread()
    {
        var client = new DtlsEndpoint(DtlsRole.Client, ClientCert, ServerCert.Fingerprint.ToString());
        var sent = new ManualResetEventSlim();   // not disposed: the background thread may still signal it
        client.OnOutput = sent.Set;
        client.Start();
        Assert.True(sent.Wait(TimeSpan.FromSeconds(10)));   // ClientHello queued: the thread now waits for a reply

        client.Dispose();

        Assert.True(client.WaitForHandshakeThread(TimeSpan.FromSeconds(10)));
        Assert.Equal(DtlsState.Closed, client.State);
    }

    [Fact]
    public void HandleReceive_ClientHelloBeforeServerStart_KeptAndHandshakeCompletes()
    {
        using var pump = CreatePair();
        pump.Client.Start();
        Assert.True(pump.RunUntil(p => p.ClientSent.Count > 0));   // delivered to the not-yet-started server

        pump.Server.Start();

        Assert.True(pump.RunUntil(DoneBoth));
        Assert.True(pump.BothConnected());
    }

    [Fact]
    public void Close_MidHandshake_NoEventAndThreadEnds()
    {
        var client = new DtlsEndpoint(DtlsRole.Client, ClientCert, ServerCert.Fingerprint.ToString());
        var sent = new ManualResetEventSlim();   // not disposed: the background thread may still signal it
        client.OnOutput = sent.Set;
        client.Start();
        Assert.True(sent.Wait(TimeSpan.FromSeconds(10)));

        client.Close();

        Assert.True(client.WaitForHandshakeThread(TimeSpan.FromSeconds(10)));
        Assert.Equal(DtlsState.Closed, client.State);
        Assert.False(client.TryPollEvent(out _));
        client.Dispose();
    }

    [Fact]
    public void Dispose_ServerWaitingForClientHello_EndsThread()
    {
        var server = new DtlsEndpoint(DtlsRole.Server, ServerCert, ClientCert.Fingerprint.ToString());
        server.Start();

        server.Dispose();

        Assert.True(server.WaitForHandshakeThread(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void HandleTimeout_PastHandshakeLimit_FailsAndEndsThread()
    {
        using var server = new DtlsEndpoint(DtlsRole.Server, ServerCert, ClientCert.Fingerprint.ToString());
        server.Start();
        long t0 = MediaTime.FromSeconds(5);
        server.HandleTimeout(t0);
        Assert.Equal(t0 + MediaTime.FromMilliseconds(10), server.PollTimeout());

        server.HandleTimeout(t0 + MediaTime.FromSeconds(30));

        Assert.True(server.TryPollEvent(out var e));
        Assert.Contains("timed out", Assert.IsType<DtlsFailed>(e).Reason);
        Assert.Equal(MediaTime.Never, server.PollTimeout());
        Assert.True(server.WaitForHandshakeThread(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void PollTimeout_ByState_NeverUnlessHandshaking()
    {
        using var pump = CreatePair();
        Assert.Equal(MediaTime.Never, pump.Server.PollTimeout());
        pump.Server.Start();
        Assert.Equal(0, pump.Server.PollTimeout());   // no time seen yet: due at once
        pump.Client.Start();

        Assert.True(pump.RunUntil(DoneBoth));

        Assert.Equal(MediaTime.Never, pump.Server.PollTimeout());
        Assert.Equal(MediaTime.Never, pump.Client.PollTimeout());
    }

    [Fact]
    public void Start_Twice_Throws()
    {
        using var client = new DtlsEndpoint(DtlsRole.Client, ClientCert, null);
        client.Start();
        Assert.Throws<InvalidOperationException>(client.Start);
    }

    [Fact]
    public void Ctor_BadFingerprint_Throws()
    {
        Assert.Throws<ArgumentException>(() => new DtlsEndpoint(DtlsRole.Client, ClientCert, "sha-256 XY:12"));
    }

    [Fact]
    public void WarmUp_OwnCertificate_Connects()
    {
        Assert.True(DtlsWarmUp.Run(ServerCert));
    }
}
