namespace Portcullis.Admin;

/// <summary>Why the admin token on a request was refused: a reason class, never the token.</summary>
internal sealed record AdminTokenRefusal(string Reason);
