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
  new ApiEksBlueprint(devStack, 'Eks', { size: 'dev', namePrefix: 'dev' });
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
    new ApiEksBlueprint(stack ?? stackIn(newApp(), 's'), 'Eks', { size: 'dev', namePrefix: 'x', ...props });

  it('fails when the availability zones are not two different zones', () => {
    expect(() => build({ availabilityZones: ['eu-west-2a'] })).toThrow(/two different zones/);
    expect(() => build({ availabilityZones: ['eu-west-2a', 'eu-west-2a'] })).toThrow(/two different zones/);
  });

  it('fails when the Kubernetes version is not a minor version', () => {
    expect(() => build({ kubernetesVersion: '1.33.2' })).toThrow(/not a minor version/);
  });

  it('fails when the stack has no region and no zones are given', () => {
    expect(() => build({}, new Stack(newApp(), 'agnostic'))).toThrow(/stack has no region/);
  });
});
