using System.Net;
using MediaCore.ControlPlane.Portal;
using MediaCore.ControlPlane.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;

namespace MediaCore.ControlPlane.Tests.Portal;

/// <summary>A host serving a small stand-in Portal build from a temporary folder.</summary>
public sealed class PortalApp : ControlPlaneApp
{
    public PortalApp() : base(Provider.Sqlite)
    {
        Directory.CreateDirectory(Path.Combine(Root, "assets"));
        File.WriteAllText(Path.Combine(Root, "index.html"), "<!doctype html><html lang=\"zh-CN\"><body>portal-index</body></html>");
        File.WriteAllText(Path.Combine(Root, "assets", "app-1a2b.js"), "console.log('portal')");
    }

    public string Root { get; } = Path.Combine(Path.GetTempPath(), $"cp-portal-{Guid.NewGuid():N}");

    protected override void Customize(IWebHostBuilder builder) => builder.UseSetting("ControlPlane:PortalPath", Root);

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
    }
}

public sealed class PortalFilesTests(PortalApp app) : IClassFixture<PortalApp>
{
    [Theory]
    [InlineData("/")]
    [InlineData("/dashboard")]
    [InlineData("/meetings/12")]
    [InlineData("/live/console")]
    public async Task ClientRoute_ServesIndexHtml(string path)
    {
        var resp = await app.CreateClient().GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal("text/html", resp.Content.Headers.ContentType?.MediaType);
        Assert.Contains("portal-index", await resp.Content.ReadAsStringAsync());
        Assert.Equal("no-cache", resp.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task HashedAsset_ServedWithLongCache()
    {
        var resp = await app.CreateClient().GetAsync("/assets/app-1a2b.js");
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal("console.log('portal')", await resp.Content.ReadAsStringAsync());
        Assert.Contains("immutable", resp.Headers.CacheControl?.ToString());
    }

    [Theory]
    [InlineData("/api/no-such-thing")]
    [InlineData("/api/meetings/999999/nothing")]
    [InlineData("/openapi")]
    public async Task UnknownApiPath_StaysProblem404(string path)
    {
        var resp = await app.CreateClient().GetAsync(path);
        await resp.AssertProblemAsync(404);
    }

    [Fact]
    public async Task MissingAsset_Is404_NotIndexHtml()
    {
        var resp = await app.CreateClient().GetAsync("/assets/gone-9z9z.js");
        Assert.Equal(HttpStatusCode.NotFound, resp.StatusCode);
    }

    [Fact]
    public async Task Api_StillAnswers_BesideThePortal()
    {
        var client = await app.LoginAsync("admin");
        var tree = await client.GetJsonAsync("/api/sites/tree");
        Assert.Equal("平阴县", (string?)tree[0]!["name"]);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/openapi/v1.json")).StatusCode);
    }

    [Fact]
    public void Resolve_Default_FindsRepositoryPortalDistAboveContentRoot()
    {
        var repo = Path.Combine(Path.GetTempPath(), $"cp-repo-{Guid.NewGuid():N}");
        try
        {
            var project = Directory.CreateDirectory(Path.Combine(repo, "ControlPlane", "MediaCore.ControlPlane")).FullName;
            Directory.CreateDirectory(Path.Combine(repo, "Portal"));
            File.WriteAllText(Path.Combine(repo, "Portal", "package.json"), "{}");
            Assert.Equal(Path.Combine(repo, "Portal", "dist"), PortalFiles.Resolve(null, project));
            Assert.Equal(Path.Combine(repo, "Portal", "dist"), PortalFiles.Resolve("", repo));
            Assert.Equal(Path.GetFullPath("elsewhere/dist"), PortalFiles.Resolve("elsewhere/dist", project));
        }
        finally
        {
            Directory.Delete(repo, recursive: true);
        }
    }
}
