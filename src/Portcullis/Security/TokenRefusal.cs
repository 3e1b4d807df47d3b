namespace Portcullis.Security;

/// <summary>
/// Left on a request whose bearer token was refused: its reason class (<see cref="TokenRefusalReasons"/>), never the
/// token; for a token that could not be checked, the seconds until the keys may next be fetched.
/// </summary>
internal sealed record TokenRefusal(string Class, int? RetryAfterSeconds = null);
