import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { EDGE_DEFAULTS, bySize, type Size } from './defaults.js';
import { BlueprintError } from './errors.js';
import { functionRole } from './grants.js';
import { edgeDomainProblem } from './rules.js';
import { acknowledge, acknowledgeWildcards, logGroup, profileOf } from './profile.js';

export interface EdgeBlueprintProps {
  /** dev: buckets auto-deleted, WAF rate limit only; prod: retained versioned bucket, WAF managed rules. */
  readonly size: Size;
  /** Prefix of resource names, normally the environment name. */
  readonly namePrefix: string;
  /** Custom domain served by CloudFront. @default - the distribution's *.cloudfront.net domain */
  readonly domainName?: string;
  /** Route 53 public hosted zone id holding domainName (no lookup is made). @default - none; required with domainName */
  readonly hostedZoneId?: string;
  /** Name of that hosted zone, e.g. example.com. @default - none; required with domainName */
  readonly hostedZoneName?: string;
  /** Absolute path of a built SPA (with index.html) uploaded on deploy. @default - nothing is uploaded */
  readonly buildDir?: string;
  /** Attach a WAF WebACL with a per-IP rate limit. @default true */
  readonly waf?: boolean;
  /** Add the AWS managed common and known-bad-inputs rule groups. @default false in dev, true in prod */
  readonly wafManagedRules?: boolean;
  /** Requests one IP may make per 5 minutes. @default 1000 in dev, 2000 in prod */
  readonly rateLimitPer5Minutes?: number;
  /** @default 'PriceClass_100' */
  readonly priceClass?: 'PriceClass_100' | 'PriceClass_200' | 'PriceClass_All';
  /** Domain name of an HTTP API routed at /api/* (all methods, Authorization forwarded, cached at most 1 s when the API allows). @default - the API is not fronted */
  readonly apiDomainName?: string;
  /** @default a policy allowing same-origin scripts and https connections */
  readonly contentSecurityPolicy?: string;
  /** Days CloudFront and S3 access logs are kept. @default 30 in dev, 365 in prod */
  readonly accessLogRetentionDays?: number;
  /** Retention of the upload function's logs. @default 7 in dev, 365 in prod */
  readonly logRetentionDays?: number;
}

/** Rewrites extension-less paths to /index.html so the SPA router handles them. */
const SPA_REWRITE = `function handler(event) {
  var request = event.request;
  var last = request.uri.split('/').pop();
  if (last.indexOf('.') === -1) request.uri = '/index.html';
  return request;
}`;

/**
 * Static front end: a private S3 bucket served by CloudFront through origin access control,
 * HTTPS only, security headers, SPA fallback and access logs; optionally a custom domain (ACM
 * certificate + Route 53 alias records), WAF, an upload of a build folder and the API at /api/*.
 * CloudFront's certificate and WebACL must live in us-east-1, so this construct must too.
 */
export class EdgeBlueprint extends Construct {
  readonly bucket: s3.Bucket;
  readonly logBucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly webAcl?: wafv2.CfnWebACL;
  readonly certificate?: acm.Certificate;
  /** https://<domain>/ */
  readonly url: string;

  // Long by design: a construct declares its resources in the order they depend on each
  // other, each set once from its props; split into helpers, the readonly fields it exposes
  // would have to be assigned out of line.
  constructor(scope: Construct, id: string, props: EdgeBlueprintProps) {
    super(scope, id);
    validate(this, props);
    const p = profileOf(props.size);
    const accessLogDays = props.accessLogRetentionDays ?? p.accessLogRetentionDays;

    this.logBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // CloudFront standard logging writes with ACLs; the bucket owner still owns every object.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(accessLogDays) }],
      removalPolicy: p.removalPolicy,
      autoDeleteObjects: p.autoDeleteObjects,
    });
    acknowledge(this.logBucket, {
      'AwsSolutions-S1': 'this is the access-log bucket; logging it into itself would loop',
    });

    this.bucket = new s3.Bucket(this, 'Site', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: p.versionedBuckets,
      lifecycleRules: p.versionedBuckets ? [{ noncurrentVersionExpiration: Duration.days(90) }] : undefined,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: 's3/',
      removalPolicy: p.removalPolicy,
      autoDeleteObjects: p.autoDeleteObjects,
    });

    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: `Security headers of ${props.namePrefix}`,
      securityHeadersBehavior: {
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: {
          referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: true,
        },
        xssProtection: { protection: true, modeBlock: true, override: true },
        contentSecurityPolicy: {
          contentSecurityPolicy: props.contentSecurityPolicy ?? EDGE_DEFAULTS.contentSecurityPolicy,
          override: true,
        },
      },
    });

    let zone: route53.IHostedZone | undefined;
    if (props.domainName) {
      zone = route53.PublicHostedZone.fromHostedZoneAttributes(this, 'Zone', {
        hostedZoneId: props.hostedZoneId!,
        zoneName: props.hostedZoneName!,
      });
      this.certificate = new acm.Certificate(this, 'Certificate', {
        domainName: props.domainName,
        validation: acm.CertificateValidation.fromDns(zone),
      });
    }

    if (props.waf ?? EDGE_DEFAULTS.waf) {
      this.webAcl = webAcl(this, props);
    }

    const fronted = props.apiDomainName !== undefined;
    const spaFunction = fronted
      ? new cloudfront.Function(this, 'SpaRewrite', {
          comment: 'SPA fallback: extension-less paths serve /index.html',
          code: cloudfront.FunctionCode.fromInline(SPA_REWRITE),
          runtime: cloudfront.FunctionRuntime.JS_2_0,
        })
      : undefined;

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `${props.namePrefix} front end`,
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        compress: true,
        functionAssociations: spaFunction
          ? [{ function: spaFunction, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }]
          : undefined,
      },
      additionalBehaviors: fronted
        ? {
            '/api/*': {
              origin: new origins.HttpOrigin(props.apiDomainName!, {
                protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
                originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
              }),
              viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
              allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
              cachePolicy: apiCachePolicy(this, props.namePrefix),
              originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
              responseHeadersPolicy: headers,
            },
          }
        : undefined,
      // Without the API behind it, S3's 403/404 for unknown paths become the SPA's index.html.
      // With it, the viewer-request function does that, so API errors reach clients unchanged.
      errorResponses: fronted
        ? undefined
        : [403, 404].map((httpStatus) => ({
            httpStatus,
            responseHttpStatus: 200,
            responsePagePath: '/index.html',
            ttl: Duration.seconds(10),
          })),
      domainNames: props.domainName ? [props.domainName] : undefined,
      certificate: this.certificate,
      // Both apply only to a custom certificate; CloudFront's default one has a fixed policy.
      minimumProtocolVersion: this.certificate ? cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 : undefined,
      sslSupportMethod: this.certificate ? cloudfront.SSLMethod.SNI : undefined,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass[toPriceClassKey(props.priceClass ?? EDGE_DEFAULTS.priceClass)],
      enableIpv6: true,
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: 'cloudfront/',
      webAclId: this.webAcl?.attrArn,
    });
    if (!props.domainName)
      acknowledge(this.distribution, {
        'AwsSolutions-CFR4':
          'without a custom domain CloudFront serves its default *.cloudfront.net certificate, whose TLS policy cannot be set; set edge.domainName for TLSv1.2_2021',
      });
    acknowledge(this.distribution, {
      'AwsSolutions-CFR1': 'the front end is meant for a worldwide audience; no geo restriction',
    });
    if (!this.webAcl)
      acknowledge(this.distribution, {
        'AwsSolutions-CFR2': 'WAF is turned off by edge.waf: false for this environment',
      });

    if (zone && props.domainName) {
      const target = route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(this.distribution));
      new route53.ARecord(this, 'AliasA', { zone, recordName: props.domainName, target });
      new route53.AaaaRecord(this, 'AliasAAAA', { zone, recordName: props.domainName, target });
    }
    this.url = `https://${props.domainName ?? this.distribution.distributionDomainName}/`;

    if (props.buildDir) {
      const uploadLogs = logGroup(this, 'UploadLogs', props.size, props.logRetentionDays);
      const uploadRole = functionRole(
        this,
        'UploadRole',
        uploadLogs,
        `Uploads the front end of ${props.namePrefix}`,
      );
      new s3deploy.BucketDeployment(this, 'Upload', {
        sources: [s3deploy.Source.asset(props.buildDir)],
        destinationBucket: this.bucket,
        distribution: this.distribution,
        distributionPaths: ['/*'],
        prune: true,
        memoryLimit: 512,
        logGroup: uploadLogs,
        role: uploadRole,
      });
      acknowledgeWildcards(
        uploadRole,
        'grants written by aws-s3-deployment: read the asset from the CDK asset bucket, sync and prune the site bucket, and invalidate the distribution (CloudFront invalidations take no resource ARN)',
      );
      const handler = Stack.of(this).node.children.find((c) =>
        c.node.id.startsWith('Custom::CDKBucketDeployment'),
      );
      if (handler)
        acknowledge(handler, {
          'AwsSolutions-L1':
            'the upload handler and its Python runtime ship with aws-cdk-lib (aws-s3-deployment) and move with its upgrades',
        });
    }
  }
}

/**
 * The cache policy of /api/*. CloudFront forwards Authorization only as part of the cache key:
 * an origin request policy may not list it, and a policy with every TTL at 0 (CachingDisabled)
 * may not key on headers, so CachingDisabled drops it and every JWT route would answer 401.
 * Keying on Authorization (and every query string and cookie) with TTLs 0/0/1 s forwards them;
 * a response is cached only when the API itself sends Cache-Control, for at most a second, and
 * never across users.
 */
function apiCachePolicy(scope: Construct, namePrefix: string): cloudfront.CachePolicy {
  return new cloudfront.CachePolicy(scope, 'ApiCachePolicy', {
    comment: `/api/* of ${namePrefix}: keyed on Authorization so CloudFront forwards it`,
    minTtl: Duration.seconds(0),
    defaultTtl: Duration.seconds(0),
    maxTtl: Duration.seconds(1),
    headerBehavior: cloudfront.CacheHeaderBehavior.allowList('Authorization'),
    queryStringBehavior: cloudfront.CacheQueryStringBehavior.all(),
    cookieBehavior: cloudfront.CacheCookieBehavior.all(),
    enableAcceptEncodingGzip: true,
    enableAcceptEncodingBrotli: true,
  });
}

function toPriceClassKey(pc: string): 'PRICE_CLASS_100' | 'PRICE_CLASS_200' | 'PRICE_CLASS_ALL' {
  return (
    {
      PriceClass_100: 'PRICE_CLASS_100',
      PriceClass_200: 'PRICE_CLASS_200',
      PriceClass_All: 'PRICE_CLASS_ALL',
    } as const
  )[pc as 'PriceClass_100'];
}

function validate(scope: Construct, props: EdgeBlueprintProps): void {
  const region = Stack.of(scope).region;
  if (Token.isUnresolved(region) || region !== 'us-east-1')
    throw new BlueprintError(
      'edge',
      `the edge stack is in ${Token.isUnresolved(region) ? 'an unspecified region' : region}; CloudFront certificates and WAF web ACLs must be in us-east-1`,
      ['create the edge construct in a stack with env: { region: "us-east-1" }'],
    );
  const domainProblem = edgeDomainProblem(props);
  if (domainProblem) throw new BlueprintError('edge', domainProblem.message, [domainProblem.fix]);
  if (props.buildDir) {
    if (!existsSync(props.buildDir) || !statSync(props.buildDir).isDirectory())
      throw new BlueprintError('edge', `buildDir ${props.buildDir} is not a folder`, [
        'build the front end first, or point edge.buildDir at its output folder',
      ]);
    if (!existsSync(join(props.buildDir, 'index.html')))
      throw new BlueprintError('edge', `buildDir ${props.buildDir} has no index.html`, [
        'point edge.buildDir at the build output (the folder with index.html)',
      ]);
  }
  const rate = props.rateLimitPer5Minutes;
  if (rate !== undefined && (!Number.isInteger(rate) || rate < 10 || rate > 2_000_000_000))
    throw new BlueprintError('edge', `rateLimitPer5Minutes ${rate} is outside WAF's 10–2,000,000,000`);
}

function webAcl(scope: Construct, props: EdgeBlueprintProps): wafv2.CfnWebACL {
  const visibility = (name: string) => ({
    cloudWatchMetricsEnabled: true,
    sampledRequestsEnabled: true,
    metricName: `${props.namePrefix}-${name}`,
  });
  const managed = props.wafManagedRules ?? bySize(EDGE_DEFAULTS.wafManagedRules, props.size);
  const managedGroup = (name: string, priority: number, overrides: string[] = []) => ({
    name,
    priority,
    overrideAction: { none: {} },
    statement: {
      managedRuleGroupStatement: {
        vendorName: 'AWS',
        name,
        ruleActionOverrides: overrides.length
          ? overrides.map((o) => ({ name: o, actionToUse: { count: {} } }))
          : undefined,
      },
    },
    visibilityConfig: visibility(name),
  });
  return new wafv2.CfnWebACL(scope, 'WebAcl', {
    name: `${props.namePrefix}-edge`,
    description: `CloudFront WebACL of ${props.namePrefix}`,
    scope: 'CLOUDFRONT',
    defaultAction: { allow: {} },
    visibilityConfig: visibility('webacl'),
    rules: [
      {
        name: 'RateLimitPerIp',
        priority: 0,
        action: { block: {} },
        statement: {
          rateBasedStatement: {
            limit: props.rateLimitPer5Minutes ?? bySize(EDGE_DEFAULTS.rateLimitPer5Minutes, props.size),
            aggregateKeyType: 'IP',
            evaluationWindowSec: 300,
          },
        },
        visibilityConfig: visibility('rate-limit'),
      },
      ...(managed
        ? [
            // API request bodies above 8 KB are legitimate; count rather than block them when fronting the API.
            managedGroup(
              'AWSManagedRulesCommonRuleSet',
              1,
              props.apiDomainName ? ['SizeRestrictions_BODY'] : [],
            ),
            managedGroup('AWSManagedRulesKnownBadInputsRuleSet', 2),
          ]
        : []),
    ],
  });
}
