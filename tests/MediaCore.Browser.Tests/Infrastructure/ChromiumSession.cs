using Microsoft.Playwright;

namespace MediaCore.Browser.Tests.Infrastructure;

/// <summary>
/// One headless Chromium (the Debian package at /usr/bin/chromium; Playwright never downloads a browser
/// here) in a persistent context with a fresh temporary user-data-dir, launched with exactly the flags
/// docs/decisions.md lists. Dispose closes the browser and deletes the profile. One per test: nothing leaks.
/// </summary>
public sealed class ChromiumSession : IAsyncDisposable
{
    public const string ExecutablePath = "/usr/bin/chromium";

    /// <summary>The flags from docs/decisions.md ("Test environment facts").</summary>
    public static readonly IReadOnlyList<string> DesignFlags =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", "--allow-loopback-in-peer-connection",
    ];

    private readonly IPlaywright _playwright;
    private readonly string _userDataDir;

    private ChromiumSession(IPlaywright playwright, IBrowserContext context, string userDataDir)
    {
        _playwright = playwright;
        Context = context;
        _userDataDir = userDataDir;
    }

    public IBrowserContext Context { get; }

    /// <summary>Launches Chromium; <paramref name="extraFlags"/> are appended (e.g. <c>--use-fake-device-for-media-stream=fps=30</c>).</summary>
    public static async Task<ChromiumSession> LaunchAsync(params string[] extraFlags)
    {
        var userDataDir = Directory.CreateTempSubdirectory("mediacore-chromium-").FullName;
        var playwright = await Playwright.CreateAsync();
        try
        {
            var context = await playwright.Chromium.LaunchPersistentContextAsync(userDataDir, new BrowserTypeLaunchPersistentContextOptions
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                Args = [.. DesignFlags, .. extraFlags],
                Timeout = 30_000,
            });
            return new ChromiumSession(playwright, context, userDataDir);
        }
        catch
        {
            playwright.Dispose();
            Directory.Delete(userDataDir, recursive: true);
            throw;
        }
    }

    /// <summary>Opens <paramref name="count"/> pages at <paramref name="url"/>, each with the client module loaded.</summary>
    public async Task<IReadOnlyList<MediaPage>> OpenPagesAsync(Uri url, int count)
    {
        var pages = new List<MediaPage>(count);
        for (int i = 0; i < count; i++) pages.Add(await OpenPageAsync(url));
        return pages;
    }

    /// <summary>Opens one page at <paramref name="url"/> (the server's demo page is a good choice: same origin).</summary>
    public async Task<MediaPage> OpenPageAsync(Uri url)
    {
        var page = await Context.NewPageAsync();
        await page.GotoAsync(url.ToString());
        return await MediaPage.InitializeAsync(page);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Context.CloseAsync();
        }
        finally
        {
            _playwright.Dispose();
            try { Directory.Delete(_userDataDir, recursive: true); }
            catch (IOException) { /* Chromium may still be flushing its profile; the temp dir is swept later. */ }
        }
    }
}
