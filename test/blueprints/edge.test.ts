import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EdgeBlueprint, type EdgeBlueprintProps } from '../../src/blueprints/edge.js';
import { buildDir, newApp, resourcesOf, stackIn, template } from './_helpers.js';

const API = 'abc123.execute-api.eu-west-2.amazonaws.com';

// Given one app with a dev edge (defaults) and a prod edge (custom domain, API fronted, upload),
// synthesised once for the whole file.
let dev: Template;
let prod: Template;
beforeAll(() => {
  const app = newApp();
  new EdgeBlueprint(stackIn(app, 'dev', 'us-east-1'), 'Edge', { size: 'dev', namePrefix: 'dev' });
  new EdgeBlueprint(stackIn(app, 'prod', 'us-east-1'), 'Edge', {
    size: 'prod',
    namePrefix: 'prod',
    domainName: 'app.example.com',
    hostedZoneId: 'Z0123456789ABCDEFGHIJ',
    hostedZoneName: 'example.com',
    apiDomainName: API,
    buildDir: buildDir(),
  });
  dev = template(app.node.findChild('dev') as never);
  prod = template(app.node.findChild('prod') as never);
});

const distribution = (t: Template) =>
  resourcesOf(t, 'AWS::CloudFront::Distribution')[0]![1].Properties.DistributionConfig;

describe('edge blueprint', () => {
  it('keeps both buckets private: public access blocked, TLS enforced, encrypted', () => {
    for (const t of [dev, prod]) {
      const buckets = resourcesOf(t, 'AWS::S3::Bucket');
      expect(buckets).toHaveLength(2);
      for (const [, b] of buckets) {
        expect(b.Properties.PublicAccessBlockConfiguration).toEqual({
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        });
        expect(
          b.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault
            .SSEAlgorithm,
        ).toBe('AES256');
      }
      t.hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('reads the bucket through origin access control, not an origin access identity', () => {
    for (const t of [dev, prod]) {
      t.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
      t.resourceCountIs('AWS::CloudFront::CloudFrontOriginAccessIdentity', 0);
      const s3Origin = distribution(t).Origins.find((o: any) => o.S3OriginConfig);
      expect(s3Origin.OriginAccessControlId).toBeDefined();
      expect(s3Origin.S3OriginConfig.OriginAccessIdentity).toBe('');
      t.hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: 's3:GetObject',
              Principal: { Service: 'cloudfront.amazonaws.com' },
              Condition: { StringEquals: { 'AWS:SourceArn': Match.anyValue() } },
            }),
          ]),
        },
      });
    }
  });

  it('serves HTTPS only with a security-headers response policy', () => {
    for (const t of [dev, prod]) {
      const d = distribution(t);
      expect(d.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
      expect(JSON.stringify(d)).not.toContain('allow-all');
      t.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
        ResponseHeadersPolicyConfig: {
          SecurityHeadersConfig: {
            StrictTransportSecurity: {
              AccessControlMaxAgeSec: 63072000,
              IncludeSubdomains: true,
              Override: true,
            },
            ContentTypeOptions: { Override: true },
            FrameOptions: { FrameOption: 'DENY', Override: true },
            ReferrerPolicy: { ReferrerPolicy: 'strict-origin-when-cross-origin', Override: true },
            ContentSecurityPolicy: {
              ContentSecurityPolicy: Match.stringLikeRegexp("frame-ancestors 'none'"),
            },
          },
        },
      });
      expect(d.DefaultCacheBehavior.ResponseHeadersPolicyId).toBeDefined();
    }
  });

  it('falls back to /index.html for SPA routes: error responses without the API, a viewer-request rewrite with it', () => {
    expect(distribution(dev).CustomErrorResponses).toEqual([
      { ErrorCode: 403, ResponseCode: 200, ResponsePagePath: '/index.html', ErrorCachingMinTTL: 10 },
      { ErrorCode: 404, ResponseCode: 200, ResponsePagePath: '/index.html', ErrorCachingMinTTL: 10 },
    ]);
    expect(distribution(dev).DefaultRootObject).toBe('index.html');
    // With the API at /api/*, error rewriting would turn API 404s into HTML: a function does it instead.
    expect(distribution(prod).CustomErrorResponses).toBeUndefined();
    expect(distribution(prod).DefaultCacheBehavior.FunctionAssociations).toEqual([
      { EventType: 'viewer-request', FunctionARN: expect.anything() },
    ]);
    prod.hasResourceProperties('AWS::CloudFront::Function', {
      FunctionCode: Match.stringLikeRegexp("request.uri = '/index.html'"),
    });
  });

  it('writes CloudFront and S3 access logs to the log bucket, kept by profile', () => {
    for (const [t, days] of [
      [dev, 30],
      [prod, 365],
    ] as const) {
      expect(distribution(t).Logging).toEqual({ Bucket: expect.anything(), Prefix: 'cloudfront/' });
      t.hasResourceProperties('AWS::S3::Bucket', {
        LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 's3/' },
      });
      t.hasResourceProperties('AWS::S3::Bucket', {
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] },
        LifecycleConfiguration: { Rules: [{ ExpirationInDays: days, Status: 'Enabled' }] },
      });
    }
  });

  it('uses a DNS-validated certificate in the given zone, TLSv1.2_2021, and A/AAAA aliases (prod)', () => {
    prod.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'app.example.com',
      ValidationMethod: 'DNS',
      DomainValidationOptions: [{ DomainName: 'app.example.com', HostedZoneId: 'Z0123456789ABCDEFGHIJ' }],
    });
    expect(distribution(prod).Aliases).toEqual(['app.example.com']);
    expect(distribution(prod).ViewerCertificate).toMatchObject({
      MinimumProtocolVersion: 'TLSv1.2_2021',
      SslSupportMethod: 'sni-only',
    });
    for (const type of ['A', 'AAAA'])
      prod.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: 'app.example.com.',
        Type: type,
        HostedZoneId: 'Z0123456789ABCDEFGHIJ',
        AliasTarget: { DNSName: Match.anyValue(), HostedZoneId: Match.anyValue() },
      });
    dev.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    dev.resourceCountIs('AWS::Route53::RecordSet', 0);
  });

  it('attaches a CLOUDFRONT WebACL: per-IP rate limit always, AWS managed rule groups in prod', () => {
    const rules = (t: Template) =>
      resourcesOf(t, 'AWS::WAFv2::WebACL')[0]![1].Properties.Rules.map((r: any) => r.Name);
    for (const t of [dev, prod]) {
      t.hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'CLOUDFRONT', DefaultAction: { Allow: {} } });
      expect(distribution(t).WebACLId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/WebAcl/), 'Arn'] });
    }
    expect(rules(dev)).toEqual(['RateLimitPerIp']);
    expect(rules(prod)).toEqual([
      'RateLimitPerIp',
      'AWSManagedRulesCommonRuleSet',
      'AWSManagedRulesKnownBadInputsRuleSet',
    ]);
    prod.hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: Match.arrayWith([
        Match.objectLike({
          Name: 'RateLimitPerIp',
          Action: { Block: {} },
          Statement: {
            RateBasedStatement: { AggregateKeyType: 'IP', Limit: 2000, EvaluationWindowSec: 300 },
          },
        }),
      ]),
    });
    dev.hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: [Match.objectLike({ Statement: { RateBasedStatement: Match.objectLike({ Limit: 1000 }) } })],
    });
  });

  it('routes /api/* to the API over HTTPS, forwarding the viewer headers but Host', () => {
    const api = distribution(prod).CacheBehaviors.find((b: any) => b.PathPattern === '/api/*');
    expect(api).toMatchObject({
      ViewerProtocolPolicy: 'https-only',
      OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac', // Managed-AllViewerExceptHostHeader
      AllowedMethods: expect.arrayContaining(['POST', 'PUT', 'PATCH', 'DELETE']),
    });
    expect(distribution(prod).Origins).toContainEqual(
      expect.objectContaining({
        DomainName: API,
        CustomOriginConfig: { OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] },
      }),
    );
    expect(distribution(dev).CacheBehaviors).toBeUndefined();
  });

  it('forwards Authorization on /api/* through a cache policy keyed on it with TTLs 0/0/1 s', () => {
    // CloudFront forwards Authorization only in the cache key: CachingDisabled (all TTLs 0)
    // cannot key on headers and origin request policies may not list it.
    const api = distribution(prod).CacheBehaviors.find((b: any) => b.PathPattern === '/api/*');
    const [id, policy] = resourcesOf(prod, 'AWS::CloudFront::CachePolicy').find(
      ([logicalId]) => api.CachePolicyId?.Ref === logicalId,
    )!;
    expect(id).toBeDefined();
    const config = policy.Properties.CachePolicyConfig;
    expect(config).toMatchObject({ MinTTL: 0, DefaultTTL: 0, MaxTTL: 1 });
    expect(config.ParametersInCacheKeyAndForwardedToOrigin).toMatchObject({
      HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['Authorization'] },
      QueryStringsConfig: { QueryStringBehavior: 'all' },
      CookiesConfig: { CookieBehavior: 'all' },
    });
  });

  it('is destroyable in dev and retained, versioned and upload-able in prod', () => {
    for (const [, b] of resourcesOf(dev, 'AWS::S3::Bucket')) expect(b.DeletionPolicy).toBe('Delete');
    dev.resourceCountIs('Custom::S3AutoDeleteObjects', 2);
    for (const [, b] of resourcesOf(prod, 'AWS::S3::Bucket')) expect(b.DeletionPolicy).toBe('Retain');
    prod.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    prod.hasResourceProperties('AWS::S3::Bucket', { VersioningConfiguration: { Status: 'Enabled' } });
    dev.resourcePropertiesCountIs('AWS::S3::Bucket', { VersioningConfiguration: Match.anyValue() }, 0);
    prod.resourceCountIs('Custom::CDKBucketDeployment', 1);
    prod.hasResourceProperties('Custom::CDKBucketDeployment', { Prune: true, DistributionPaths: ['/*'] });
    dev.resourceCountIs('Custom::CDKBucketDeployment', 0);
  });
});

describe('edge blueprint props', () => {
  const build = (props: Partial<EdgeBlueprintProps>, region = 'us-east-1') =>
    new EdgeBlueprint(stackIn(newApp(), 's', region), 'Edge', { size: 'dev', namePrefix: 'x', ...props });

  it('fails when a custom domain has no hosted zone', () => {
    expect(() => build({ domainName: 'app.example.com' })).toThrow(
      /custom domain app.example.com has no hosted zone/,
    );
    expect(() => build({ domainName: 'app.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' })).toThrow(
      /has no hosted zone/,
    );
  });

  it('fails when a hosted zone is given without a domain', () => {
    expect(() => build({ hostedZoneId: 'Z0123456789ABCDEFGHIJ', hostedZoneName: 'example.com' })).toThrow(
      /without edge.domainName/,
    );
  });

  it('fails when the domain is outside the hosted zone', () => {
    expect(() =>
      build({
        domainName: 'app.other.com',
        hostedZoneId: 'Z0123456789ABCDEFGHIJ',
        hostedZoneName: 'example.com',
      }),
    ).toThrow(/app.other.com is not inside hosted zone example.com/);
  });

  it('fails when the stack is not in us-east-1', () => {
    expect(() => build({}, 'eu-west-2')).toThrow(/edge stack is in eu-west-2; .* must be in us-east-1/);
  });

  it('fails when buildDir is missing or has no index.html', () => {
    expect(() => build({ buildDir: '/nonexistent/dist' })).toThrow(
      /buildDir \/nonexistent\/dist is not a folder/,
    );
    expect(() => build({ buildDir: mkdtempSync(join(tmpdir(), 'empty-')) })).toThrow(/has no index.html/);
  });

  it('fails when the rate limit is below WAF minimum', () => {
    expect(() => build({ rateLimitPer5Minutes: 5 })).toThrow(/rateLimitPer5Minutes 5/);
  });
});
