using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace MediaCore.ControlPlane.Common;

/// <summary>
/// Turns request-binding failures (malformed JSON, unparsable route/query values, oversized bodies) into
/// their 4xx ProblemDetails. Minimal APIs throw them in Development and answer with an empty 400 elsewhere;
/// either way the client sees the same problem document. Everything else stays a 500.
/// </summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        if (exception is not BadHttpRequestException bad) return false;
        context.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = bad.StatusCode,
                Title = bad.StatusCode == 413 ? "Payload too large" : "Malformed request",
                Detail = bad.InnerException?.Message is { } inner ? $"{bad.Message} {inner}" : bad.Message,
            },
        });
    }
}
