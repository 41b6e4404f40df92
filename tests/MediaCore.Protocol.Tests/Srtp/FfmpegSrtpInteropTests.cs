using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MediaCore.Protocol.Srtp;

namespace MediaCore.Protocol.Tests.Srtp;

/// <summary>
/// A real, independent peer: ffmpeg's own SRTP sender (libavformat, not libsrtp) streams a 1 s sine as
/// PCMU over SRTP and SRTCP (AES_CM_128_HMAC_SHA1_80, RFC 4568 inline key) to a loopback socket, and
/// every packet must authenticate and decrypt here. ffmpeg comes from the Debian package (scripts/install-deps.sh).
/// </summary>
public class FfmpegSrtpInteropTests
{
    [Fact]
    public void Unprotect_FfmpegSrtpSender_EveryRtpAndRtcpPacketDecrypts()
    {
        var masterKeyAndSalt = Enumerable.Range(0, 30).Select(i => (byte)(i * 7 + 3)).ToArray();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.ReceiveTimeout = 1000; // only to notice that ffmpeg has exited and its packets are drained; nothing is timed
        int port = ((IPEndPoint)socket.LocalEndPoint!).Port;

        var ffmpeg = Process.Start(new ProcessStartInfo("ffmpeg")
        {
            ArgumentList =
            {
                "-hide_banner", "-loglevel", "error", "-nostdin",
                "-f", "lavfi", "-i", "sine=frequency=440:duration=1",
                "-c:a", "pcm_mulaw", "-ar", "8000", "-ac", "1",
                "-f", "rtp", "-srtp_out_suite", "AES_CM_128_HMAC_SHA1_80",
                "-srtp_out_params", Convert.ToBase64String(masterKeyAndSalt),
                $"srtp://127.0.0.1:{port}?rtcpport={port}&pkt_size=200",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;

        using var receiver = new SrtpContext(SrtpProfile.Aes128CmHmacSha1_80, masterKeyAndSalt.AsSpan(0, 16), masterKeyAndSalt.AsSpan(16));
        var datagram = new byte[2048];
        var plain = new byte[2048];
        var samples = new List<short>();
        int rtpOk = 0, rtcpOk = 0, idleWaits = 0;
        var failures = new List<string>();
        while (true)
        {
            int n;
            try { n = socket.Receive(datagram); }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
            {
                if (ffmpeg.HasExited) break;
                if (++idleWaits > 60)
                {
                    ffmpeg.Kill();
                    Assert.Fail("ffmpeg did not finish a 1 s stream");
                }
                continue;
            }
            var packet = datagram.AsSpan(0, n);
            // RFC 5761 §4: RTCP packet types 192-223 share the port with RTP.
            bool isRtcp = n > 1 && packet[1] is >= 192 and <= 223;
            var result = isRtcp ? receiver.UnprotectRtcp(packet, plain, out int length) : receiver.UnprotectRtp(packet, plain, out length);
            if (result != SrtpResult.Ok) { failures.Add($"{(isRtcp ? "RTCP" : "RTP")} {result}"); continue; }
            if (isRtcp) { rtcpOk++; continue; }
            rtpOk++;
            foreach (byte b in plain.AsSpan(12, length - 12)) samples.Add(MuLawToLinear(b));
        }
        ffmpeg.WaitForExit();
        Assert.True(ffmpeg.ExitCode == 0, ffmpeg.StandardError.ReadToEnd());

        Assert.Empty(failures);
        Assert.InRange(rtpOk, 30, 1000);
        Assert.InRange(rtcpOk, 1, 1000);
        // The decrypted payload is the sine, not noise: at 440 Hz / 8 kHz neighbouring samples differ by
        // about a third of the amplitude, against more than the amplitude for random bytes.
        double meanStep = samples.Zip(samples.Skip(1), (a, b) => Math.Abs(a - b)).Average();
        double meanLevel = samples.Average(s => Math.Abs((double)s));
        Assert.InRange(meanStep / meanLevel, 0.1, 0.6);
    }

    /// <summary>G.711 μ-law expansion.</summary>
    private static short MuLawToLinear(byte value)
    {
        int u = ~value & 0xFF;
        int t = ((u & 0x0F) << 3) + 0x84;
        t <<= (u & 0x70) >> 4;
        return (short)((u & 0x80) != 0 ? 0x84 - t : t - 0x84);
    }
}
