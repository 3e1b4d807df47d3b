namespace Portcullis.Security;

/// <summary>Left on a request whose bearer token was refused: its reason class (<see cref="TokenRefusalReasons"/>), never the token.</summary>
internal sealed record TokenRefusal(string Class);
