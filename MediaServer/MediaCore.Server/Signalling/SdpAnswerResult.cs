using System.Text;

namespace MediaCore.Server.Signalling;

/// <summary>
/// RFC 9725 §4.2 success: <c>201 Created</c>, the SDP answer as <c>application/sdp</c>, the session URL in
/// <c>Location</c>, and the optional <c>ETag</c>.
/// </summary>
internal sealed class SdpAnswerResult(string location, string answerSdp, string? etag) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status201Created;
        response.ContentType = SignallingEndpoints.SdpMediaType;
        response.Headers.Location = location;
        if (etag is not null) response.Headers.ETag = etag;
        var bytes = Encoding.UTF8.GetBytes(answerSdp);
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes, httpContext.RequestAborted);
    }
}
