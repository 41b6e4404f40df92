using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MediaCore.ControlPlane.Tests.Infrastructure;

/// <summary>Small helpers to read API JSON without mirroring every DTO.</summary>
public static class Json
{
    public static async Task<JsonNode> ReadAsync(this HttpResponseMessage resp) =>
        JsonNode.Parse(await resp.Content.ReadAsStringAsync()) ?? throw new InvalidOperationException("empty body");

    public static async Task<JsonNode> GetJsonAsync(this HttpClient client, string url)
    {
        var resp = await client.GetAsync(url);
        Assert.True(resp.IsSuccessStatusCode, $"GET {url} -> {(int)resp.StatusCode}: {await resp.Content.ReadAsStringAsync()}");
        return await resp.ReadAsync();
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, object body) =>
        client.PostAsJsonAsync(url, body, JsonSerializerOptions.Web);

    /// <summary>Asserts a ProblemDetails answer with the given status.</summary>
    public static async Task<JsonNode> AssertProblemAsync(this HttpResponseMessage resp, int status)
    {
        var text = await resp.Content.ReadAsStringAsync();
        Assert.True((int)resp.StatusCode == status, $"expected {status}, got {(int)resp.StatusCode}: {text}");
        Assert.Equal("application/problem+json", resp.Content.Headers.ContentType?.MediaType);
        var node = JsonNode.Parse(text)!;
        Assert.Equal(status, (int)node["status"]!);
        return node;
    }
}
