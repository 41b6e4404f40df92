using MediaCore.Server.Auth;
using MediaCore.Server.Signalling;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace MediaCore.Server.Tests.Signalling;

public sealed class SessionAuditTests
{
    [Fact]
    public async Task ObserverSession_StartAndEnd_AreAudited()
    {
        var logs = new CapturingLoggerProvider(nameof(SessionAudit));
        await using var server = await TestMediaServer.StartAsync(b =>
        {
            b.Services.Replace(ServiceDescriptor.Singleton<ISessionManager, FakeSessionManager>());
            b.Logging.AddProvider(logs);
        }, "--Logging:LogLevel:MediaCore.Server.Signalling.SessionAudit=Information");

        var token = server.Token("village-3", "town-admin", ParticipantRole.Observer);
        using var created = await server.Client.SendAsync(HttpExtensions.SdpPost("/whep/village-3", token));
        using var deleted = await server.Client.SendAsync(HttpExtensions.WithToken(HttpMethod.Delete, created.Headers.Location!.OriginalString, token));

        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Collection(logs.Lines,
            l => Assert.Equal("Session started: room village-3, Subscriber s1, participant town-admin (observer)", l),
            l => Assert.Equal("Session ended: room village-3, Subscriber s1, participant town-admin (observer), by town-admin", l));
    }
}
