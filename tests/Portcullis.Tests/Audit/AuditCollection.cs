namespace Portcullis.Tests.Audit;

/// <summary>The audit, admin and metrics tests share one gateway and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class AuditCollection : ICollectionFixture<AuditGateway>
{
    public const string Name = "audit gateway";
}
