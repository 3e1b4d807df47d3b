using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Portcullis.Security;

/// <summary>
/// The embedded development issuer's RSA signing key: generated into the data dir on first use and reused after,
/// so tokens minted by <c>portcullis token</c> stay valid across restarts.
/// </summary>
internal sealed class DevSigningKey
{
    public const string FileName = "dev-signing-key.pem";

    private DevSigningKey(RsaSecurityKey key, bool created)
    {
        Key = key;
        Created = created;
    }

    public RsaSecurityKey Key { get; }

    /// <summary>True when this call generated the key.</summary>
    public bool Created { get; }

    /// <summary>The public half, as published in the JWKS.</summary>
    public JsonWebKey PublicJwk
    {
        get
        {
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(Key.Rsa.ExportParameters(includePrivateParameters: false)));
            jwk.KeyId = Key.KeyId;
            jwk.Use = JsonWebKeyUseNames.Sig;
            jwk.Alg = SecurityAlgorithms.RsaSha256;
            return jwk;
        }
    }

    public static string PathIn(string dataDir) => Path.Combine(dataDir, FileName);

    public static DevSigningKey LoadOrCreate(string dataDir)
    {
        var path = PathIn(dataDir);
        var created = false;
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(dataDir);
            using var fresh = RSA.Create(2048);
            var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
            // Created readable by its owner alone: a mode set after writing would leave the private key readable by any
            // local user until then.
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var file = new StreamWriter(temp, create))
            {
                file.Write(fresh.ExportPkcs8PrivateKeyPem());
            }

            try
            {
                // Two processes starting together: the first move wins and both use its key.
                File.Move(temp, path, overwrite: false);
                created = true;
            }
            catch (IOException) when (File.Exists(path))
            {
                File.Delete(temp);
            }
        }

        // Read as a secret file is: a FIFO put in its place would hang serve and token until something wrote to it, and
        // a device such as /dev/zero would be read for ever.
        var pem = Core.Configuration.SecretFile.Read(path, out var absence);
        if (pem is null)
        {
            throw new Core.Configuration.ConfigException(
                $"The development identity's signing key {path} is not an RSA private key in PEM ({absence}). Move it aside and a new key is created; tokens signed with the old one are then refused.");
        }

        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            // Emptied, cut short or replaced (a disk that filled up, a copy of the data dir gone wrong): the operator's to
            // fix, named as such, not an unhandled exception of the PEM reader.
            rsa.Dispose();
            throw new Core.Configuration.ConfigException(
                $"The development identity's signing key {path} is not an RSA private key in PEM (damaged or replaced). Move it aside and a new key is created; tokens signed with the old one are then refused.");
        }

        var key = new RsaSecurityKey(rsa);
        var thumbprint = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.ExportParameters(false))).ComputeJwkThumbprint();
        key.KeyId = Base64UrlEncoder.Encode(thumbprint);
        return new DevSigningKey(key, created);
    }
}
