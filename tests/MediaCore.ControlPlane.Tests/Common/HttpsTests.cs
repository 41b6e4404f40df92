using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace MediaCore.ControlPlane.Tests.Common;

/// <summary>
/// The ControlPlane (and the Portal it serves) over HTTPS through Kestrel's own configuration keys
/// (<c>Kestrel:Certificates:Default:Path</c>/<c>KeyPath</c>, PEM), as README's HTTPS section documents.
/// Real Kestrel on a free loopback port, not the in-memory test server.
/// </summary>
public sealed class HttpsTests
{
    [Fact]
    public async Task Start_PemCertificateConfigured_ServesHealthzOverTlsWithThatCertificate()
    {
        var dir = Directory.CreateTempSubdirectory("cp-https-").FullName;
        try
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=MediaCore test", key, HashAlgorithmName.SHA256);
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
            using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
            await File.WriteAllTextAsync(Path.Combine(dir, "cert.pem"), cert.ExportCertificatePem());
            await File.WriteAllTextAsync(Path.Combine(dir, "key.pem"), key.ExportPkcs8PrivateKeyPem());

            var app = Program.Build([
                "--urls=https://127.0.0.1:0",
                $"--Kestrel:Certificates:Default:Path={Path.Combine(dir, "cert.pem")}",
                $"--Kestrel:Certificates:Default:KeyPath={Path.Combine(dir, "key.pem")}",
                $"--ControlPlane:SqlitePath={Path.Combine(dir, "cp.db")}",
                "--ControlPlane:SeedDemoData=false", "--ControlPlane:EnableSnapshotWorker=false",
                $"--ControlPlane:MediaTokenSecret={Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}",
                $"--ControlPlane:WebhookSecret={Convert.ToBase64String(RandomNumberGenerator.GetBytes(24))}",
                "--ControlPlane:MediaTokenSecret=https-test-media-token-secret-0123456789abcdef", "--ControlPlane:WebhookSecret=https-test-webhook-secret",
                "--Logging:LogLevel:Default=Warning",
            ]);
            await app.StartAsync();
            try
            {
                var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
                Assert.StartsWith("https://127.0.0.1:", address);
                X509Certificate2? presented = null;
                using var handler = new HttpClientHandler
                {
                    // Trust exactly the configured certificate, as a client pinned to it would.
                    ServerCertificateCustomValidationCallback = (_, c, _, _) =>
                    {
                        presented = c is null ? null : X509CertificateLoader.LoadCertificate(c.RawData);
                        return c is not null && c.RawData.AsSpan().SequenceEqual(cert.RawData);
                    },
                };
                using var http = new HttpClient(handler) { BaseAddress = new Uri(address) };
                var body = await http.GetStringAsync("/healthz");
                Assert.Equal("ok", body);
                Assert.NotNull(presented);
                Assert.Equal(cert.Thumbprint, presented!.Thumbprint);
            }
            finally
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }
}
