using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace MediaCore.ControlPlane.Portal;

/// <summary>
/// Serves the Portal (the Vue single-page app built to Portal/dist) at "/": hashed assets with a long cache
/// lifetime, index.html for every client route (SPA fallback), never for /api or /openapi paths, which keep
/// their 404 ProblemDetails.
/// </summary>
public static partial class PortalFiles
{
    /// <summary>Folder the Portal build writes, relative to the repository root.</summary>
    public const string DefaultRelativePath = "Portal/dist";

    /// <summary>
    /// The folder to serve: <paramref name="configured"/> (relative to the working directory) when set, else the
    /// repository's Portal/dist, found by walking up from the content root (the project folder under
    /// `dotnet run`, the working directory otherwise). Null when no such folder exists.
    /// </summary>
    public static string Resolve(string? configured, string contentRoot)
    {
        if (!string.IsNullOrWhiteSpace(configured)) return Path.GetFullPath(configured);
        for (var dir = new DirectoryInfo(contentRoot); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, DefaultRelativePath);
            if (Directory.Exists(candidate) || File.Exists(Path.Combine(dir.FullName, "Portal", "package.json")))
                return candidate;
        }
        return Path.GetFullPath(Path.Combine(contentRoot, DefaultRelativePath));
    }

    /// <summary>True for paths that belong to the API, not to the Portal's client routes.</summary>
    public static bool IsApiPath(PathString path) =>
        path.StartsWithSegments("/api") || path.StartsWithSegments("/openapi") || path.StartsWithSegments("/healthz");

    /// <summary>Adds the static files and the SPA fallback when the folder exists; logs clearly when it does not.</summary>
    public static void UsePortal(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<ControlPlaneOptions>>().Value;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("MediaCore.ControlPlane.Portal");
        var root = Resolve(options.PortalPath, app.Environment.ContentRootPath);
        var index = Path.Combine(root, "index.html");
        if (!File.Exists(index))
        {
            Missing(logger, root);
            return;
        }
        Serving(logger, root);
        var files = new PhysicalFileProvider(root);
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            OnPrepareResponse = ctx =>
            {
                // Vite names assets by content hash: cache them for a year; index.html must be revalidated.
                ctx.Context.Response.Headers[HeaderNames.CacheControl] = ctx.Context.Request.Path.StartsWithSegments("/assets")
                    ? "public, max-age=31536000, immutable" : "no-cache";
            },
        });
        // "nonfile": paths with a file extension are left to the static files (and a missing asset stays a 404).
        app.MapFallback("{*path:nonfile}", async ctx =>
        {
            if (IsApiPath(ctx.Request.Path) || !(HttpMethods.IsGet(ctx.Request.Method) || HttpMethods.IsHead(ctx.Request.Method)))
            {
                ctx.Response.StatusCode = StatusCodes.Status404NotFound; // UseStatusCodePages writes the ProblemDetails
                return;
            }
            ctx.Response.ContentType = "text/html; charset=utf-8";
            ctx.Response.Headers[HeaderNames.CacheControl] = "no-cache";
            await ctx.Response.SendFileAsync(files.GetFileInfo("index.html"), ctx.RequestAborted);
        }).AllowAnonymous().ExcludeFromDescription();
    }

    [LoggerMessage(1, LogLevel.Information, "Portal served at / from {Root}")]
    private static partial void Serving(ILogger logger, string root);

    [LoggerMessage(2, LogLevel.Warning,
        "Portal NOT served: {Root} has no index.html. Build it with `cd Portal && npm ci && npm run build` (./run.sh does), or set ControlPlane:PortalPath")]
    private static partial void Missing(ILogger logger, string root);
}
