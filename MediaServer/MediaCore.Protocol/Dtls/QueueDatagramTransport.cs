using System.Buffers;
using System.Collections.Concurrent;
using Org.BouncyCastle.Tls;

namespace MediaCore.Protocol.Dtls;

/// <summary>
/// The <see cref="DatagramTransport"/> BouncyCastle reads and writes: two thread-safe queues between the
/// host-facing <see cref="DtlsEndpoint"/> and the thread running the blocking handshake. Datagrams are
/// copied into <see cref="ArrayPool{T}.Shared"/> buffers in both directions.
/// </summary>
internal sealed class QueueDatagramTransport : DatagramTransport
{
    private readonly ConcurrentQueue<(byte[] Buffer, int Length)> _inbound = new();
    private readonly ConcurrentQueue<(byte[] Buffer, int Length)> _outbound = new();
    private readonly SemaphoreSlim _inboundCount = new(0);
    private readonly CancellationTokenSource _cancel = new();
    private readonly int _sendLimit;
    private readonly int _receiveLimit;
    private readonly Action _onOutput;
    private volatile bool _stopped;

    public QueueDatagramTransport(int sendLimit, int receiveLimit, Action onOutput)
    {
        _sendLimit = sendLimit;
        _receiveLimit = receiveLimit;
        _onOutput = onOutput;
    }

    public bool HasInbound => !_inbound.IsEmpty;

    public int ReceiveLimit => _receiveLimit;

    /// <summary>Host side: queues a copy of a received datagram for BouncyCastle.</summary>
    public void Enqueue(ReadOnlySpan<byte> datagram)
    {
        if (_stopped)
            return;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(datagram.Length);
        datagram.CopyTo(buffer);
        _inbound.Enqueue((buffer, datagram.Length));
        _inboundCount.Release();
    }

    /// <summary>Host side: takes the next datagram BouncyCastle wants sent (buffer is the caller's to return).</summary>
    public bool TryDequeueOutbound(out byte[] buffer, out int length)
    {
        if (_outbound.TryDequeue(out var item))
        {
            buffer = item.Buffer;
            length = item.Length;
            return true;
        }
        buffer = [];
        length = 0;
        return false;
    }

    /// <summary>
    /// Makes any blocked or later <see cref="Receive(Span{byte}, int)"/> throw, which unwinds
    /// BouncyCastle. Sends still queue, so the alert BouncyCastle sends while failing reaches the peer.
    /// </summary>
    public void CancelReceive()
    {
        if (!_cancel.IsCancellationRequested)
            _cancel.Cancel();
    }

    /// <summary>Cancels receives, drops further datagrams both ways and returns every queued buffer to the pool.</summary>
    public void Stop()
    {
        _stopped = true;
        CancelReceive();
        ReturnAll(_inbound);
        ReturnAll(_outbound);
    }

    public int GetReceiveLimit() => _receiveLimit;

    public int GetSendLimit() => _sendLimit;

    public int Receive(byte[] buf, int off, int len, int waitMillis) => Receive(buf.AsSpan(off, len), waitMillis);

    /// <summary>
    /// Blocks up to <paramref name="waitMillis"/> (0 = forever, per <see cref="DatagramReceiver"/>) for a
    /// datagram; -1 on timeout, which BouncyCastle treats as "nothing arrived" and uses to drive
    /// retransmission (RFC 6347 §4.2.4).
    /// </summary>
    public int Receive(Span<byte> buffer, int waitMillis)
    {
        // OperationCanceledException on Stop(): BouncyCastle wraps it as internal_error and gives up.
        if (!_inboundCount.Wait(waitMillis == 0 ? Timeout.Infinite : waitMillis, _cancel.Token))
            return -1;
        if (!_inbound.TryDequeue(out var item))
            return -1;
        try
        {
            // A datagram larger than the receive limit cannot hold a valid record for us; drop it.
            if (item.Length > buffer.Length)
                return -1;
            item.Buffer.AsSpan(0, item.Length).CopyTo(buffer);
            return item.Length;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(item.Buffer);
        }
    }

    public void Send(byte[] buf, int off, int len) => Send(buf.AsSpan(off, len));

    public void Send(ReadOnlySpan<byte> buffer)
    {
        if (_stopped)
            return;
        byte[] copy = ArrayPool<byte>.Shared.Rent(buffer.Length);
        buffer.CopyTo(copy);
        _outbound.Enqueue((copy, buffer.Length));
        _onOutput();
    }

    /// <summary>BouncyCastle closes the transport when the connection ends; the endpoint owns its lifetime.</summary>
    public void Close()
    {
    }

    private static void ReturnAll(ConcurrentQueue<(byte[] Buffer, int Length)> queue)
    {
        while (queue.TryDequeue(out var item))
            ArrayPool<byte>.Shared.Return(item.Buffer);
    }
}
