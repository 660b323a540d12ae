import { Aws, Stack, Tags, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { BedrockAccess } from './api-lambda.js';
import { API_EKS_DEFAULTS, type Size } from './defaults.js';
import { BlueprintError } from './errors.js';
import { ZONES_FIX, availabilityZoneProblem, natGatewaysProblem } from './rules.js';
import { tableDataStatement, type TableGrant } from './grants.js';
import { acknowledge, logGroup } from './profile.js';

export interface ApiEksBlueprintProps {
  /** dev: one NAT gateway, rejected-traffic flow logs; prod: one NAT gateway per AZ, all-traffic flow logs. */
  readonly size: Size;
  /** Prefix of resource names (and the cluster name), normally the environment name. */
  readonly namePrefix: string;
  /** @default '1.33' */
  readonly kubernetesVersion?: string;
  /**
   * Availability-zone names of the VPC (at least two, all in the stack's region). Zone letters
   * differ between accounts (eu-west-2c does not exist everywhere), so there is no default: take
   * them from `aws ec2 describe-availability-zones` in the target account. They must also be the
   * stack's availabilityZones, so that synthesis makes no context lookup.
   */
  readonly availabilityZones: readonly string[];
  /**
   * NAT gateways, each billed by the hour (~$0.045/h, ~$33/month, plus per GB) whether the
   * cluster is used or not. 1: every zone's egress leaves through one zone (no zone redundancy);
   * one per zone: redundant; 0: private subnets are isolated, so nodes and pods have no internet
   * egress and pulling images needs VPC endpoints (ECR, S3, STS) or another route you provide.
   * @default 1 in dev, one per availability zone in prod
   */
  readonly natGateways?: number;
  /**
   * IAM role given cluster-admin through an EKS access entry.
   * @default - the role named platformRoleName in the stack's account
   */
  readonly platformRoleArn?: string;
  /** Used when platformRoleArn is not given. @default 'OrganizationAccountAccessRole' */
  readonly platformRoleName?: string;
  /** @default 'public-and-private' */
  readonly endpointAccess?: 'public-and-private' | 'private';
  /** Namespace and service account of the API workload, bound to its IAM role by EKS Pod Identity. @default 'api' */
  readonly apiNamespace?: string;
  /** @default 'api' */
  readonly apiServiceAccount?: string;
  /** Tables the API pods may read and write (data only). @default - none */
  readonly tables?: readonly TableGrant[];
  /** @default - no Bedrock access */
  readonly bedrock?: BedrockAccess;
  /** Retention of the VPC flow logs. @default 7 in dev, 365 in prod */
  readonly logRetentionDays?: number;
}

/**
 * EKS Auto Mode cluster (aws-eks-v2: no kubectl Lambda layer, no nested stacks) in a VPC over
 * the configured availability zones (NAT gateways by setting), control-plane logging, an access entry for the platform role, and an
 * IAM role for the API pods (EKS Pod Identity) with grants to the tables and Bedrock.
 */
export class ApiEksBlueprint extends Construct {
  readonly vpc: ec2.Vpc;
  readonly cluster: eks.Cluster;
  /** The role the API's pods receive through EKS Pod Identity. */
  readonly apiRole: iam.Role;

  // Long by design: a construct declares its resources in the order they depend on each
  // other, each set once from its props; split into helpers, the readonly fields it exposes
  // would have to be assigned out of line.
  constructor(scope: Construct, id: string, props: ApiEksBlueprintProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const azs = [...(props.availabilityZones ?? [])];
    const zoneProblem = availabilityZoneProblem(
      azs,
      Token.isUnresolved(stack.region) ? undefined : stack.region,
    );
    if (zoneProblem) throw new BlueprintError('api-eks', zoneProblem, [ZONES_FIX]);
    const natGateways =
      props.natGateways ?? (props.size === 'dev' ? API_EKS_DEFAULTS.natGateways.dev : azs.length);
    const natProblem = natGatewaysProblem(natGateways, azs.length);
    if (natProblem) throw new BlueprintError('api-eks', natProblem);
    const egress = natGateways > 0 ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED;
    const version = props.kubernetesVersion ?? API_EKS_DEFAULTS.kubernetesVersion;
    if (!/^1\.\d{2}$/.test(version))
      throw new BlueprintError(
        'api-eks',
        `kubernetesVersion "${version}" is not a minor version such as 1.33`,
      );

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      availabilityZones: [...azs],
      natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: egress, cidrMask: 19 },
      ],
    });
    acknowledge(this.vpc, {
      'CloudFormation-Validate::W3010':
        'the zones are named on purpose so that synthesis needs no availability-zone lookup; set api-eks.availabilityZones to choose them',
    });
    // EKS Auto Mode places load balancers by these subnet tags.
    for (const s of this.vpc.publicSubnets) Tags.of(s).add('kubernetes.io/role/elb', '1');
    for (const s of this.vpc.privateSubnets) Tags.of(s).add('kubernetes.io/role/internal-elb', '1');
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(
        logGroup(this, 'FlowLogs', props.size, props.logRetentionDays),
      ),
      trafficType: props.size === 'prod' ? ec2.FlowLogTrafficType.ALL : ec2.FlowLogTrafficType.REJECT,
    });

    const endpoint = props.endpointAccess ?? API_EKS_DEFAULTS.endpointAccess;
    this.cluster = new eks.Cluster(this, 'Cluster', {
      clusterName: props.namePrefix,
      version: eks.KubernetesVersion.of(version),
      vpc: this.vpc,
      vpcSubnets: [{ subnetType: egress }],
      defaultCapacityType: eks.DefaultCapacityType.AUTOMODE,
      compute: { nodePools: ['system', 'general-purpose'] },
      endpointAccess:
        endpoint === 'private' ? eks.EndpointAccess.PRIVATE : eks.EndpointAccess.PUBLIC_AND_PRIVATE,
      clusterLogging: [
        eks.ClusterLoggingTypes.API,
        eks.ClusterLoggingTypes.AUDIT,
        eks.ClusterLoggingTypes.AUTHENTICATOR,
        eks.ClusterLoggingTypes.CONTROLLER_MANAGER,
        eks.ClusterLoggingTypes.SCHEDULER,
      ],
      // Only the platform role administers the cluster, not the CloudFormation execution role.
      bootstrapClusterCreatorAdminPermissions: false,
    });
    const platformRoleArn =
      props.platformRoleArn ??
      `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/${props.platformRoleName ?? 'OrganizationAccountAccessRole'}`;
    this.cluster.grantAccess('PlatformAdmin', platformRoleArn, [
      eks.AccessPolicy.fromAccessPolicyName('AmazonEKSClusterAdminPolicy', {
        accessScopeType: eks.AccessScopeType.CLUSTER,
      }),
    ]);
    if (endpoint !== 'private')
      acknowledge(this.cluster, {
        'AwsSolutions-EKS1':
          'the public endpoint lets the platform role and CI reach the Kubernetes API without a VPN; every call is authenticated by IAM access entries. Set api-eks.endpointAccess: private to close it',
      });
    acknowledge(this.cluster, {
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSClusterPolicy]':
        'AWS requires this managed policy on the cluster role',
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSComputePolicy]':
        'EKS Auto Mode requires this managed policy on the cluster role (node provisioning)',
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSBlockStoragePolicy]':
        'EKS Auto Mode requires this managed policy on the cluster role (EBS volumes)',
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSLoadBalancingPolicy]':
        'EKS Auto Mode requires this managed policy on the cluster role (load balancers)',
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSNetworkingPolicy]':
        'EKS Auto Mode requires this managed policy on the cluster role (networking)',
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSWorkerNodePolicy]':
        'EKS Auto Mode nodes need this AWS managed policy on the node role to join the cluster',
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly]':
        'EKS Auto Mode nodes pull container images from ECR with this read-only AWS managed policy',
    });

    this.apiRole = new iam.Role(this, 'ApiPodRole', {
      description: `API pods of ${props.namePrefix} (EKS Pod Identity)`,
      assumedBy: new iam.SessionTagsPrincipal(new iam.ServicePrincipal('pods.eks.amazonaws.com')),
    });
    const data = tableDataStatement(props.tables ?? []);
    if (data) this.apiRole.addToPolicy(data);
    if (props.bedrock) this.apiRole.addManagedPolicy(props.bedrock.invokePolicy);
    new eks.CfnPodIdentityAssociation(this, 'ApiPodIdentity', {
      clusterName: this.cluster.clusterName,
      namespace: props.apiNamespace ?? API_EKS_DEFAULTS.apiNamespace,
      serviceAccount: props.apiServiceAccount ?? API_EKS_DEFAULTS.apiServiceAccount,
      roleArn: this.apiRole.roleArn,
    });
  }
}
