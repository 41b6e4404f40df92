using Microsoft.AspNetCore.Http.HttpResults;

namespace MediaCore.ControlPlane.Common;

/// <summary>ProblemDetails results used across features, so every error has the same shape.</summary>
public static class Problems
{
    /// <summary>400 with per-field errors.</summary>
    public static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>400 with many errors.</summary>
    public static ValidationProblem Invalid(IDictionary<string, string[]> errors) => TypedResults.ValidationProblem(errors);

    /// <summary>404: missing, or outside the caller's scope (indistinguishable on purpose).</summary>
    public static ProblemHttpResult NotFound(string what) =>
        TypedResults.Problem(title: "Not found", detail: $"{what} does not exist or is outside your scope.", statusCode: 404);

    /// <summary>403: the caller may not act on the requested site.</summary>
    public static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(title: "Forbidden", detail: detail, statusCode: 403);

    /// <summary>422: well-formed but semantically unacceptable input.</summary>
    public static ProblemHttpResult Unprocessable(string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(title: title, detail: detail, statusCode: 422, extensions: extensions);

    /// <summary>409: conflicts with current state.</summary>
    public static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(title: "Conflict", detail: detail, statusCode: 409);
}
