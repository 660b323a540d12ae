import { Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiEksBlueprint, type ApiEksBlueprintProps } from '../../src/blueprints/api-eks.js';
import { EstateStack } from '../../src/blueprints/compose.js';
import { flat, newApp, resourcesOf, stackIn, template } from './_helpers.js';

const PLATFORM_ROLE = 'arn:aws:iam::123456789012:role/platform-admins';

// Given a dev cluster (account-agnostic, defaults) and a prod cluster bound to an account with
// explicit zones, a private endpoint and a table grant, synthesised once.
let dev: Template;
let prod: Template;
let missingContext: unknown;
beforeAll(() => {
  const app = newApp();
  const devStack = stackIn(app, 'dev');
  const prodStack = new EstateStack(app, 'prod', {
    env: { account: '123456789012', region: 'eu-west-1' },
    zones: ['eu-west-1b', 'eu-west-1c'],
  });
  const table = new dynamodb.TableV2(prodStack, 'Table', {
    partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
  });
  new ApiEksBlueprint(devStack, 'Eks', {
    size: 'dev',
    namePrefix: 'dev',
    availabilityZones: ['eu-west-2a', 'eu-west-2b'],
  });
  new ApiEksBlueprint(prodStack, 'Eks', {
    size: 'prod',
    namePrefix: 'prod',
    availabilityZones: ['eu-west-1b', 'eu-west-1c'],
    platformRoleArn: PLATFORM_ROLE,
    endpointAccess: 'private',
    kubernetesVersion: '1.34',
    tables: [{ name: 'items', table }],
  });
  missingContext = app.synth().manifest.missing;
  dev = template(devStack);
  prod = template(prodStack);
});

const cluster = (t: Template) => resourcesOf(t, 'AWS::EKS::Cluster')[0]![1].Properties;

describe('api-eks blueprint', () => {
  it('synthesises without any context lookup, even bound to an account', () => {
    expect(missingContext).toBeUndefined();
  });

  it('creates an EKS Auto Mode cluster with every control-plane log type', () => {
    for (const t of [dev, prod]) {
      expect(cluster(t).ComputeConfig).toEqual({
        Enabled: true,
        NodePools: ['system', 'general-purpose'],
        NodeRoleArn: expect.anything(),
      });
      expect(cluster(t).StorageConfig).toEqual({ BlockStorage: { Enabled: true } });
      expect(cluster(t).Logging.ClusterLogging.EnabledTypes.map((e: any) => e.Type)).toEqual([
        'api',
        'audit',
        'authenticator',
        'controllerManager',
        'scheduler',
      ]);
      expect(cluster(t).AccessConfig).toEqual({
        AuthenticationMode: 'API',
        BootstrapClusterCreatorAdminPermissions: false,
      });
    }
    expect(cluster(dev).Version).toBe('1.33');
    expect(cluster(prod).Version).toBe('1.34');
  });

  it('uses aws-eks-v2 without a kubectl Lambda layer or nested stacks', () => {
    for (const t of [dev, prod]) {
      t.resourceCountIs('AWS::Lambda::LayerVersion', 0);
      t.resourceCountIs('AWS::Lambda::Function', 0);
      t.resourceCountIs('AWS::CloudFormation::Stack', 0);
      t.resourceCountIs('Custom::AWSCDK-EKS-Cluster', 0);
    }
  });

  it('gives the platform role cluster-admin through an access entry', () => {
    prod.hasResourceProperties('AWS::EKS::AccessEntry', {
      PrincipalArn: PLATFORM_ROLE,
      AccessPolicies: [
        {
          AccessScope: { Type: 'cluster' },
          PolicyArn: {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy',
              ],
            ],
          },
        },
      ],
    });
    const [, entry] = resourcesOf(dev, 'AWS::EKS::AccessEntry')[0]!;
    expect(flat(entry.Properties.PrincipalArn)).toBe(
      'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/OrganizationAccountAccessRole',
    );
  });

  it('spans two AZs with one NAT gateway in dev and one per AZ in prod', () => {
    const azs = (t: Template) =>
      [...new Set(resourcesOf(t, 'AWS::EC2::Subnet').map(([, s]) => s.Properties.AvailabilityZone))].sort();
    expect(azs(dev)).toEqual(['eu-west-2a', 'eu-west-2b']);
    expect(azs(prod)).toEqual(['eu-west-1b', 'eu-west-1c']);
    dev.resourceCountIs('AWS::EC2::NatGateway', 1);
    prod.resourceCountIs('AWS::EC2::NatGateway', 2);
    dev.resourceCountIs('AWS::EC2::Subnet', 4);
    dev.hasResourceProperties('AWS::EC2::Subnet', {
      Tags: Match.arrayWith([{ Key: 'kubernetes.io/role/elb', Value: '1' }]),
    });
    dev.hasResourceProperties('AWS::EC2::Subnet', {
      Tags: Match.arrayWith([{ Key: 'kubernetes.io/role/internal-elb', Value: '1' }]),
    });
  });

  it('logs VPC flows: rejected traffic in dev, all traffic in prod', () => {
    dev.hasResourceProperties('AWS::EC2::FlowLog', {
      TrafficType: 'REJECT',
      LogDestinationType: 'cloud-watch-logs',
    });
    prod.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL' });
  });

  it('opens the endpoint publicly and privately by default, privately only when asked', () => {
    expect(cluster(dev).ResourcesVpcConfig).toMatchObject({
      EndpointPublicAccess: true,
      EndpointPrivateAccess: true,
    });
    expect(cluster(prod).ResourcesVpcConfig).toMatchObject({
      EndpointPublicAccess: false,
      EndpointPrivateAccess: true,
    });
  });

  it('binds the API service account to a role with the table grants through EKS Pod Identity', () => {
    dev.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
      Namespace: 'api',
      ServiceAccount: 'api',
    });
    const [, role] = resourcesOf(prod, 'AWS::IAM::Role').find(([id]) => id.includes('ApiPodRole'))!;
    expect(role.Properties.AssumeRolePolicyDocument.Statement[0]).toMatchObject({
      Action: ['sts:AssumeRole', 'sts:TagSession'],
      Principal: { Service: 'pods.eks.amazonaws.com' },
    });
    const statements = resourcesOf(prod, 'AWS::IAM::Policy').flatMap(
      ([, p]) => p.Properties.PolicyDocument.Statement,
    );
    expect(statements.find((s: any) => s.Sid === 'TableData').Resource).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^Table/), 'Arn'],
    });
  });
});

describe('api-eks blueprint props', () => {
  const build = (props: Partial<ApiEksBlueprintProps>, stack?: Stack) =>
    new ApiEksBlueprint(stack ?? stackIn(newApp(), 's'), 'Eks', {
      size: 'dev',
      namePrefix: 'x',
      availabilityZones: ['eu-west-2a', 'eu-west-2b'],
      ...props,
    } as ApiEksBlueprintProps);

  it('fails when the availability zones are not at least two different zones', () => {
    expect(() => build({ availabilityZones: ['eu-west-2a'] })).toThrow(/at least two different zones/);
    expect(() => build({ availabilityZones: ['eu-west-2a', 'eu-west-2a'] })).toThrow(/two different zones/);
    expect(() => build({ availabilityZones: [] })).toThrow(/no availabilityZones/);
  });

  it('fails when a zone is not in the stack region', () => {
    expect(() => build({ availabilityZones: ['eu-west-2a', 'eu-west-1b'] })).toThrow(
      /eu-west-1b is not a zone of eu-west-2/,
    );
  });

  it('fails when there are more NAT gateways than zones', () => {
    expect(() => build({ natGateways: 3 })).toThrow(
      /natGateways 3 must be a whole number from 0 to .* \(2\)/,
    );
  });

  it('builds isolated private subnets and no NAT gateway with natGateways: 0, one per zone in prod', () => {
    const app = newApp();
    const none = new EstateStack(app, 'none', {
      env: { region: 'eu-west-2' },
      zones: ['eu-west-2a', 'eu-west-2c'],
    });
    const three = new EstateStack(app, 'three', {
      env: { region: 'eu-west-2' },
      zones: ['eu-west-2a', 'eu-west-2b', 'eu-west-2c'],
    });
    build({ availabilityZones: ['eu-west-2a', 'eu-west-2c'], natGateways: 0 }, none);
    build({ size: 'prod', availabilityZones: ['eu-west-2a', 'eu-west-2b', 'eu-west-2c'] }, three);
    const t0 = template(none);
    t0.resourceCountIs('AWS::EC2::NatGateway', 0);
    // No route to the internet from the private subnets.
    const privateRoutes = resourcesOf(t0, 'AWS::EC2::Route').filter(([id]) => id.includes('private'));
    expect(privateRoutes).toEqual([]);
    template(three).resourceCountIs('AWS::EC2::NatGateway', 3);
  });

  it('fails when the Kubernetes version is not a minor version', () => {
    expect(() => build({ kubernetesVersion: '1.33.2' })).toThrow(/not a minor version/);
  });

  it('fails when no zones are given', () => {
    expect(() => build({ availabilityZones: undefined }, new Stack(newApp(), 'agnostic'))).toThrow(
      /no availabilityZones/,
    );
  });
});
