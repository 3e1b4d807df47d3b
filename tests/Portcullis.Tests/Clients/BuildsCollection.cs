namespace Portcullis.Tests.Clients;

/// <summary>
/// Tests that build, pack or install the gateway as a user would (dotnet run, dotnet pack, the README's commands):
/// they run one at a time, with no other test building or reading the same outputs meanwhile.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BuildsCollection
{
    public const string Name = "builds";
}
