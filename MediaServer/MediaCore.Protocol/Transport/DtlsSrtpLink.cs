using System.Buffers;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Dtls;
using MediaCore.Protocol.Srtp;

namespace MediaCore.Protocol.Transport;

/// <summary>What the DTLS half of a transport reports after a drain.</summary>
internal enum DtlsSrtpOutcome
{
    None,
    Connected,
    Failed,
    Closed,
}

/// <summary>
/// The DTLS-SRTP half of <see cref="WebRtcTransport"/> (either role): the DTLS endpoint (RFC 5764 §4), the SRTP
/// session keyed from it, SRTP protect/unprotect in place, and the traffic counters. The ICE half, which differs by
/// role, is the transport's <see cref="Ice.IIceAgent"/>.
/// </summary>
internal sealed class DtlsSrtpLink : IDisposable
{
    private readonly DtlsEndpoint _dtls;
    private SrtpSession? _srtp;
    /// <summary>Set once outbound protection was handed to a protecting output: that output then owns (and releases) it.</summary>
    private IProtectingDatagramOutput? _protectingOutput;
    private bool _disposed;

    public DtlsSrtpLink(DtlsRole role, DtlsCertificate certificate, string remoteFingerprint, DtlsEndpointOptions? options, Action wakeUp)
    {
        _dtls = new DtlsEndpoint(role, certificate, remoteFingerprint, options);
        _dtls.OnOutput = wakeUp;
    }

    public bool Started { get; private set; }
    public bool HasKeys => _srtp != null;
    /// <summary>The handshake thread's own state (ahead of <see cref="HasKeys"/> until the outcome is polled).</summary>
    public DtlsState HandshakeState => _dtls.State;
    public SrtpProfile? Profile => _srtp?.Profile;
    public long PacketsReceived { get; private set; }
    public long PacketsSent { get; private set; }
    public long BytesReceived { get; private set; }
    public long BytesSent { get; private set; }
    public long UnprotectFailures { get; private set; }

    public void Start()
    {
        if (Started) return;
        Started = true;
        _dtls.Start();
    }

    public void HandleDtls(long nowTicks, ReadOnlySpan<byte> datagram) => _dtls.HandleReceive(nowTicks, datagram);

    public void HandleTimeout(long nowTicks)
    {
        if (Started) _dtls.HandleTimeout(nowTicks);
    }

    public long PollTimeout() => Started ? _dtls.PollTimeout() : MediaTime.Never;

    /// <summary>Sends what DTLS queued to <paramref name="to"/> (dropped while no address is known).</summary>
    public void DrainDatagrams(IDatagramOutput output, PeerAddress to)
    {
        while (_dtls.TryPollDatagram(out var buffer, out int length))
        {
            if (!to.IsNone) output.Send(buffer.AsSpan(0, length), to);
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The next handshake outcome; on <see cref="DtlsSrtpOutcome.Connected"/> the SRTP keys are in place.</summary>
    public DtlsSrtpOutcome PollOutcome(out string? reason)
    {
        reason = null;
        while (_dtls.TryPollEvent(out var e))
        {
            switch (e)
            {
                case DtlsConnected c:
                    _srtp = SrtpSession.FromKeyingMaterial((SrtpProfile)(ushort)c.Profile, c.KeyingMaterial, c.IsClient);
                    return DtlsSrtpOutcome.Connected;
                case DtlsFailed f:
                    reason = $"DTLS: {f.Reason}";
                    return DtlsSrtpOutcome.Failed;
                case DtlsClosed:
                    reason = "DTLS: close_notify";
                    return DtlsSrtpOutcome.Closed;
            }
        }
        return DtlsSrtpOutcome.None;
    }

    /// <summary>SRTP-unprotects in place; false (and counted) when not keyed or not authentic.</summary>
    public bool TryUnprotectRtp(Span<byte> datagram, out int length)
    {
        length = 0;
        if (_srtp is null) return false;
        if (_srtp.Inbound.UnprotectRtpInPlace(datagram, out length) != SrtpResult.Ok)
        {
            UnprotectFailures++;
            return false;
        }
        PacketsReceived++;
        BytesReceived += datagram.Length;
        return true;
    }

    public bool TryUnprotectRtcp(Span<byte> datagram, out int length)
    {
        length = 0;
        if (_srtp is null) return false;
        if (_srtp.Inbound.UnprotectRtcpInPlace(datagram, out length) == SrtpResult.Ok) return true;
        UnprotectFailures++;
        return false;
    }

    /// <summary>Protects an RTP packet in place and sends it to <paramref name="to"/> (or hands both to a protecting output).</summary>
    public bool SendRtp(IDatagramOutput output, PeerAddress to, Span<byte> buffer, int length)
    {
        if (_srtp is null || _disposed) return false;
        if (output is IProtectingDatagramOutput protecting)
        {
            if ((uint)length > (uint)buffer.Length || !Handover(protecting).SendProtected(_srtp.Outbound, rtcp: false, buffer[..length], to)) return false;
            PacketsSent++;
            BytesSent += length + _srtp.Outbound.RtpOverhead;
            return true;
        }
        if (!_srtp.Outbound.TryProtectRtpInPlace(buffer, length, out int protectedLength)) return false;
        output.Send(buffer[..protectedLength], to);
        PacketsSent++;
        BytesSent += protectedLength;
        return true;
    }

    /// <summary>A slot of the protecting output for the next RTP packet to <paramref name="to"/> (see <see cref="WebRtcTransport.TryBeginRtp"/>).</summary>
    public bool TryBeginRtp(IDatagramOutput output, PeerAddress to, out OutputSlot slot)
    {
        if (_srtp is null || _disposed || output is not IProtectingDatagramOutput protecting)
        {
            slot = default;
            return false;
        }
        return Handover(protecting).TryBeginProtected(_srtp.Outbound, rtcp: false, to, out slot);
    }

    /// <summary>Hands the slot back to its output; counts the packet when there is one.</summary>
    public void CommitRtp(in OutputSlot slot, int length)
    {
        if (length > 0 && _srtp is not null)
        {
            PacketsSent++;
            BytesSent += length + _srtp.Outbound.RtpOverhead;
        }
        slot.Commit(length);
    }

    /// <summary>Protects an RTCP compound packet in place and sends it to <paramref name="to"/> (or hands both to a protecting output).</summary>
    public bool SendRtcp(IDatagramOutput output, PeerAddress to, Span<byte> buffer, int length)
    {
        if (_srtp is null || _disposed) return false;
        if (output is IProtectingDatagramOutput protecting)
        {
            if ((uint)length > (uint)buffer.Length || !Handover(protecting).SendProtected(_srtp.Outbound, rtcp: true, buffer[..length], to)) return false;
            BytesSent += length + _srtp.Outbound.RtcpOverhead;
            return true;
        }
        if (!_srtp.Outbound.TryProtectRtcpInPlace(buffer, length, out int protectedLength)) return false;
        output.Send(buffer[..protectedLength], to);
        BytesSent += protectedLength;
        return true;
    }

    // One owner for the outbound context: once a protecting output has it, this link never protects with it again.
    private IProtectingDatagramOutput Handover(IProtectingDatagramOutput output)
    {
        if (_protectingOutput is null) _protectingOutput = output;
        else if (!ReferenceEquals(_protectingOutput, output)) throw new InvalidOperationException("A transport's outbound SRTP belongs to one protecting output.");
        return output;
    }

    /// <summary>Sends close_notify when connected (the caller drains it).</summary>
    public void Close()
    {
        if (Started) _dtls.Close();
    }

    public void Dispose()
    {
        _dtls.Dispose();
        if (_srtp is null || _disposed) return;
        _disposed = true;
        _srtp.Inbound.Dispose();
        // Packets may still wait to be protected on the output's thread: it releases the context after them.
        if (_protectingOutput != null) _protectingOutput.Release(_srtp.Outbound);
        else _srtp.Outbound.Dispose();
    }
}
