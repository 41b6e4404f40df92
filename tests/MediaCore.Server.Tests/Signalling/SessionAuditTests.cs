using System.Collections.Concurrent;
using MediaCore.Server.Auth;
using MediaCore.Server.Signalling;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace MediaCore.Server.Tests.Signalling;

public sealed class SessionAuditTests
{
    private sealed class CapturingProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Lines);
        public void Dispose() { }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (category.EndsWith(nameof(SessionAudit), StringComparison.Ordinal)) lines.Enqueue(formatter(state, exception));
            }
        }
    }

    [Fact]
    public async Task ObserverSession_StartAndEnd_AreAudited()
    {
        var logs = new CapturingProvider();
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
