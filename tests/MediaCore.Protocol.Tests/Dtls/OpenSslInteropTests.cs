using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Dtls;

namespace MediaCore.Protocol.Tests.Dtls;

/// <summary>
/// Interop against a real, independent DTLS stack: the Debian openssl binary (OpenSSL shares its
/// lineage and DTLS-SRTP behaviour with Chromium's BoringSSL). Both sides export
/// "EXTRACTOR-dtls_srtp" keying material (RFC 5764 §4.2) and the test compares them byte for byte.
/// The endpoint is driven by a UDP socket loop in the test, as the host will drive it.
/// </summary>
public sealed class OpenSslInteropTests : IDisposable
{
    private static readonly DtlsCertificate OurCert = DtlsCertificate.Generate();
    private readonly string _dir = Directory.CreateTempSubdirectory("dtls-openssl-").FullName;
    private readonly string _certPem;
    private readonly string _keyPem;
    private readonly DtlsFingerprint _opensslFingerprint;

    public OpenSslInteropTests()
    {
        _certPem = Path.Combine(_dir, "cert.pem");
        _keyPem = Path.Combine(_dir, "key.pem");
        RunToEnd("openssl", $"req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout {_keyPem} " +
            $"-out {_certPem} -days 2 -subj /CN=openssl");
        using var x509 = X509Certificate2.CreateFromPem(File.ReadAllText(_certPem));
        _opensslFingerprint = DtlsFingerprint.Compute(x509.RawData);
    }

    [Theory]
    [InlineData("SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80", DtlsSrtpProfile.AeadAes128Gcm, "")]
    [InlineData("SRTP_AES128_CM_SHA1_80", DtlsSrtpProfile.Aes128CmHmacSha1_80, "")]
    // -listen makes s_server answer the first ClientHello with a HelloVerifyRequest cookie (RFC 6347 §4.2.1).
    [InlineData("SRTP_AEAD_AES_128_GCM", DtlsSrtpProfile.AeadAes128Gcm, "-listen")]
    public void Client_AgainstOpenSslServer_SameProfileAndKeyingMaterial(string opensslProfiles, DtlsSrtpProfile expected,
        string extra)
    {
        using var socket = Bind();
        int port = FreeUdpPort();
        using var openssl = StartOpenSsl($"s_server -dtls1_2 {extra} -accept 127.0.0.1:{port} -cert {_certPem} -key {_keyPem} " +
            $"-use_srtp {opensslProfiles} -verify 1 -mtu 1200 {KeyExport(expected)}", out var output);
        using var client = new DtlsEndpoint(DtlsRole.Client, OurCert, _opensslFingerprint.ToString());
        var remote = new IPEndPoint(IPAddress.Loopback, port);

        // s_server needs a moment to bind; the client's retransmission (RFC 6347 §4.2.4) covers that.
        var connected = Drive(client, socket, remote);

        Assert.Equal(expected, connected.Profile);
        Assert.Equal(Convert.ToHexString(connected.KeyingMaterial), WaitForKeyingMaterial(output));
    }

    [Theory]
    [InlineData("SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80", DtlsSrtpProfile.AeadAes128Gcm)]
    [InlineData("SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM", DtlsSrtpProfile.Aes128CmHmacSha1_80)]
    public void Server_AgainstOpenSslClient_FollowsClientOrderAndSameKeyingMaterial(string opensslProfiles, DtlsSrtpProfile expected)
    {
        using var socket = Bind();
        int port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        using var server = new DtlsEndpoint(DtlsRole.Server, OurCert, _opensslFingerprint.ToString());
        using var openssl = StartOpenSsl($"s_client -dtls1_2 -connect 127.0.0.1:{port} -cert {_certPem} -key {_keyPem} " +
            $"-use_srtp {opensslProfiles} -mtu 1200 {KeyExport(expected)}", out var output);

        var connected = Drive(server, socket, remote: null);

        Assert.Equal(expected, connected.Profile);
        Assert.Equal(Convert.ToHexString(connected.KeyingMaterial), WaitForKeyingMaterial(output));
    }

    [Fact]
    public void Client_OpenSslServerWithOtherCertificate_FailsOnFingerprint()
    {
        using var socket = Bind();
        int port = FreeUdpPort();
        using var openssl = StartOpenSsl($"s_server -dtls1_2 -accept 127.0.0.1:{port} -cert {_certPem} -key {_keyPem} " +
            "-use_srtp SRTP_AEAD_AES_128_GCM -mtu 1200", out _);
        using var client = new DtlsEndpoint(DtlsRole.Client, OurCert, OurCert.Fingerprint.ToString());

        var failed = Assert.IsType<DtlsFailed>(DriveToEvent(client, socket, new IPEndPoint(IPAddress.Loopback, port)));

        Assert.Contains("fingerprint mismatch", failed.Reason);
    }

    private static string KeyExport(DtlsSrtpProfile profile)
        => $"-keymatexport EXTRACTOR-dtls_srtp -keymatexportlen {profile.KeyingMaterialLength()}";

    private static DtlsConnected Drive(DtlsEndpoint endpoint, Socket socket, IPEndPoint? remote)
    {
        var evt = DriveToEvent(endpoint, socket, remote);
        return Assert.IsType<DtlsConnected>(evt);
    }

    /// <summary>A minimal host loop: socket in, endpoint out, until the first event.</summary>
    private static DtlsEvent DriveToEvent(DtlsEndpoint endpoint, Socket socket, IPEndPoint? remote)
    {
        var wall = Stopwatch.StartNew();
        var buffer = new byte[4096];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        endpoint.Start();
        while (wall.Elapsed < TimeSpan.FromSeconds(30))
        {
            long now = wall.Elapsed.Ticks;
            while (endpoint.TryPollDatagram(out byte[] datagram, out int length))
            {
                if (remote is not null)
                    socket.SendTo(datagram.AsSpan(0, length), SocketFlags.None, remote);
                ArrayPool<byte>.Shared.Return(datagram);
            }
            if (endpoint.TryPollEvent(out var evt))
                return evt;
            if (socket.Poll(TimeSpan.FromMilliseconds(10), SelectMode.SelectRead))
            {
                try
                {
                    int n = socket.ReceiveFrom(buffer, ref from);
                    remote ??= (IPEndPoint)from;
                    endpoint.HandleReceive(now, buffer.AsSpan(0, n));
                }
                catch (SocketException)
                {
                    // ICMP port unreachable while openssl is still starting: the next retransmission retries.
                }
            }
            endpoint.HandleTimeout(now);
        }
        throw new TimeoutException("no DTLS event within 30 s");
    }

    private static string WaitForKeyingMaterial(StringBuilder output)
    {
        var wall = Stopwatch.StartNew();
        var pattern = new Regex(@"Keying material:\s*([0-9A-Fa-f]+)");
        while (wall.Elapsed < TimeSpan.FromSeconds(10))
        {
            Match m;
            lock (output)
                m = pattern.Match(output.ToString());
            if (m.Success)
                return m.Groups[1].Value.ToUpperInvariant();
            Thread.Yield();
        }
        lock (output)
            throw new TimeoutException("openssl printed no keying material:\n" + output);
    }

    private static Socket Bind()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    private static int FreeUdpPort()
    {
        using var probe = Bind();
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static OpenSslProcess StartOpenSsl(string arguments, out StringBuilder output)
    {
        var psi = new ProcessStartInfo("openssl", arguments)
        {
            RedirectStandardInput = true,   // kept open: s_client/s_server quit on stdin EOF
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(psi)!;
        var sink = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (sink) sink.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (sink) sink.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        output = sink;
        return new OpenSslProcess(process);
    }

    private static void RunToEnd(string file, string arguments)
    {
        using var p = Process.Start(new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class OpenSslProcess(Process process) : IDisposable
    {
        public void Dispose()
        {
            if (!process.HasExited)
                process.Kill();
            process.WaitForExit();
            process.Dispose();
        }
    }
}
