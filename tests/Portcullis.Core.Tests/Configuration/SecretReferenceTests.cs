using System.Diagnostics;
using Portcullis.Core.Configuration;

namespace Portcullis.Core.Tests.Configuration;

/// <summary>
/// What a <c>file:</c> or <c>env:</c> secret resolves to, and why it resolves to nothing: only a regular file of at most
/// 64 KiB is read, so a FIFO (which would hang the read until a writer came) or a device (which never ends) is refused
/// before it is opened.
/// </summary>
public sealed class SecretReferenceTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly string _dir = Directory.CreateTempSubdirectory("portcullis-secrets-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Resolve_RegularFile_IsReadTrimmed()
    {
        File.WriteAllText(Path.Combine(_dir, "token"), "  s3cret\n");

        Assert.Equal("s3cret", Resolve("file:token", out var absence));
        Assert.Equal("", absence);
    }

    [Fact]
    public void Resolve_LinkToARegularFile_IsFollowed()
    {
        // As a Kubernetes secret volume lays its files out: each a link into a folder that is swapped on rotation.
        File.WriteAllText(Path.Combine(_dir, "real"), "linked");
        File.CreateSymbolicLink(Path.Combine(_dir, "token"), Path.Combine(_dir, "real"));

        Assert.Equal("linked", Resolve("file:token", out _));
    }

    [Fact]
    public void Resolve_FileOfExactly64KiB_IsRead_OneByteMore_IsRefused()
    {
        File.WriteAllText(Path.Combine(_dir, "full"), new string('k', 64 * 1024));
        File.WriteAllText(Path.Combine(_dir, "over"), new string('k', (64 * 1024) + 1));

        Assert.Equal(64 * 1024, Resolve("file:full", out _)!.Length);
        Assert.Null(Resolve("file:over", out var absence));
        Assert.Contains("more than 64 KiB", absence, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolve_Fifo_IsRefusedWithoutWaitingForAWriter()
    {
        var fifo = await FifoAsync();

        var (value, absence) = await Task.Run(() => (Resolve("file:" + fifo, out var why), why)).WaitAsync(Timeout);

        Assert.Null(value);
        Assert.Contains("is not a regular file", absence, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_FifoThePathCheckTookForAFile_IsRefusedWithoutWaitingForAWriter()
    {
        // The file is checked by its path, then opened: swapped for a FIFO in between, the open must not wait either.
        var fifo = await FifoAsync();

        var (handle, absence) = await Task.Run(() => (SecretFile.Open(fifo, out var why), why)).WaitAsync(Timeout);

        Assert.Null(handle);
        Assert.Contains("is not a regular file", absence, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/dev/zero")]
    [InlineData("/tmp")]
    public void Open_DeviceOrFolder_IsRefusedByWhatWasOpened(string path)
    {
        Assert.Null(SecretFile.Open(path, out var absence));
        Assert.Contains("is not a regular file", absence, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_RegularFile_IsOpened()
    {
        var path = Path.Combine(_dir, "token");
        File.WriteAllText(path, "s3cret");

        using var handle = SecretFile.Open(path, out var absence);

        Assert.NotNull(handle);
        Assert.Equal("", absence);
        Assert.Equal(6, RandomAccess.GetLength(handle));
    }

    [Theory]
    [InlineData("/dev/zero")]
    [InlineData("/tmp")]
    public async Task Resolve_DeviceOrFolder_IsRefused(string path)
    {
        var (value, absence) = await Task.Run(() => (Resolve("file:" + path, out var why), why)).WaitAsync(Timeout);

        Assert.Null(value);
        Assert.Contains("is not a regular file", absence, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_MissingOrEmptyFile_SaysWhich()
    {
        File.WriteAllText(Path.Combine(_dir, "empty"), " \n");

        Assert.Null(Resolve("file:missing", out var missing));
        Assert.Null(Resolve("file:empty", out var empty));

        Assert.Contains("does not exist", missing, StringComparison.Ordinal);
        Assert.Contains("is empty", empty, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_FileWithAByteOrderMark_IsReadWithoutIt()
    {
        File.WriteAllBytes(Path.Combine(_dir, "token"), [0xEF, 0xBB, 0xBF, .. "s3cret\r\n"u8]);

        Assert.Equal("s3cret", Resolve("file:token", out _));
    }

    [Fact]
    public void Resolve_PathWithANul_IsNotReadUpToTheNul()
    {
        File.WriteAllText(Path.Combine(_dir, "token"), "s3cret");

        Assert.Null(Resolve("file:token\0.bak", out var absence));
        Assert.Contains("does not exist", absence, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_UnsetVariable_SaysSo()
    {
        Assert.True(string.IsNullOrEmpty(Resolve("env:PORTCULLIS_TEST_NEVER_SET_7C1", out var absence)));
        Assert.Equal("the variable PORTCULLIS_TEST_NEVER_SET_7C1 is unset", absence);
    }

    [Fact]
    public void Resolve_VariableOfWhiteSpace_SaysSo()
    {
        Environment.SetEnvironmentVariable("PORTCULLIS_TEST_BLANK_7C7", "  ");

        Assert.Equal("  ", Resolve("env:PORTCULLIS_TEST_BLANK_7C7", out var absence));
        Assert.Equal("the variable PORTCULLIS_TEST_BLANK_7C7 holds only white space", absence);
    }

    private async Task<string> FifoAsync()
    {
        var fifo = Path.Combine(_dir, "fifo");
        using var mkfifo = Process.Start("mkfifo", [fifo]);
        await mkfifo.WaitForExitAsync().WaitAsync(Timeout);
        Assert.Equal(0, mkfifo.ExitCode);
        return fifo;
    }

    private string? Resolve(string text, out string absence)
    {
        Assert.True(SecretReference.TryParse(text, out var reference));
        return reference.Resolve(_dir, out absence);
    }
}
