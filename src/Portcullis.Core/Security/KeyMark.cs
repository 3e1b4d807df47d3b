using Microsoft.IdentityModel.Tokens;

namespace Portcullis.Core.Security;

/// <summary>What a token is validated against: the keys in use then (null before the first fetch), and how many fetches had begun.</summary>
internal readonly record struct KeyMark(BaseConfiguration? Keys, long FetchesBegun);
