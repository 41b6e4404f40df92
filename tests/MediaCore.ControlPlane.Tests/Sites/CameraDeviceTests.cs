using System.Net.Http.Json;
using System.Text.Json;
using MediaCore.ControlPlane.Data;
using MediaCore.ControlPlane.Live;
using MediaCore.ControlPlane.Tests.Infrastructure;

namespace MediaCore.ControlPlane.Tests.Sites;

/// <summary>A camera device's RTSP URL: stored, shown with the password masked, refused for other kinds and when malformed.</summary>
public abstract class CameraDeviceTests<TApp>(TApp app) where TApp : ControlPlaneApp
{
    [Fact]
    public async Task CameraRtspUrl_StoredMaskedValidatedAndCleared()
    {
        var ids = await app.SeedAsync();
        var admin = await app.LoginAsync("admin");
        var code = "CAM-" + Guid.NewGuid().ToString("N")[..8];
        var created = await (await admin.PostJsonAsync($"/api/sites/{ids.OwnVillage}/devices",
            new { kind = "camera", name = "村委会摄像机", code, rtspUrl = "rtsp://admin:s3cret@192.168.1.64:554/Streaming/Channels/101" })).ReadAsync();
        var device = created["device"]!;
        Assert.Equal("rtsp://admin:***@192.168.1.64:554/Streaming/Channels/101", (string?)device["rtspUrl"]);
        int id = (int)device["id"]!;

        await (await admin.PostJsonAsync($"/api/sites/{ids.OwnVillage}/devices",
            new { kind = "terminal", name = "终端", code = code + "T", rtspUrl = "rtsp://10.0.0.1/x" })).AssertProblemAsync(400);
        await (await admin.PostJsonAsync($"/api/sites/{ids.OwnVillage}/devices",
            new { kind = "camera", name = "摄像机", code = code + "H", rtspUrl = "http://10.0.0.1/x" })).AssertProblemAsync(400);
        await (await admin.PutAsJsonAsync($"/api/sites/{ids.OwnVillage}/devices/{id}", new { rtspUrl = "rtsp://" }, JsonSerializerOptions.Web)).AssertProblemAsync(400);

        var cleared = await (await admin.PutAsJsonAsync($"/api/sites/{ids.OwnVillage}/devices/{id}", new { rtspUrl = "" }, JsonSerializerOptions.Web)).ReadAsync();
        Assert.Null((string?)cleared["rtspUrl"]);
    }

    [Fact]
    public void Mask_UrlWithoutPassword_Unchanged()
    {
        Assert.Equal("rtsp://10.0.0.1:554/live", CameraStreams.Mask("rtsp://10.0.0.1:554/live"));
        Assert.Null(CameraStreams.Validate("rtsps://cam.local/live", DeviceKind.Camera));
        Assert.NotNull(CameraStreams.Validate("rtsp://cam.local/live", DeviceKind.Projector));
    }
}

[Collection(SqliteCollection.Name)]
public sealed class CameraDeviceTestsSqlite(SqliteApp app) : CameraDeviceTests<SqliteApp>(app);
[Collection(PostgresCollection.Name)]
public sealed class CameraDeviceTestsPostgres(PostgresApp app) : CameraDeviceTests<PostgresApp>(app);
