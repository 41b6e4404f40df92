using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace MediaCore.Server.Tests.Infrastructure;

/// <summary>Keeps the formatted messages of the loggers whose category ends with <paramref name="categorySuffix"/> (add it with
/// <c>builder.Logging.AddProvider</c>; the category's level must let the messages through).</summary>
internal sealed class CapturingLoggerProvider(string categorySuffix) : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName.EndsWith(categorySuffix, StringComparison.Ordinal) ? Lines : null);

    public void Dispose() { }

    private sealed class Logger(ConcurrentQueue<string>? lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => lines != null;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => lines?.Enqueue(formatter(state, exception));
    }
}
