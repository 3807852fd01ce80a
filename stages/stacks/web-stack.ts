import { CfnOutput, DefaultStackSynthesizer, Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { webSecurityHeaders } from '../../service/src/http/security-headers';
import { acknowledge } from '../compliance/acknowledge';
import { EnvironmentConfig, resourceNames, removalPolicyOf } from '../config';

export interface WebStackProps extends StackProps {
  readonly environment: EnvironmentConfig;
  /** The built web front end (`index.html` and its assets). */
  readonly webAssetDir: string;
  /** The API stage URL, published to the front end as `config.json`. */
  readonly apiUrl: string;
  /** The REST API id: its origin is the only place besides itself the front end may connect to. */
  readonly restApiId: string;
}

/** The web front end: a private S3 bucket served by CloudFront through origin access control. */
export class WebStack extends Stack {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly responseHeaders: cloudfront.ResponseHeadersPolicy;
  readonly webUrl: CfnOutput;

  constructor(scope: Construct, id: string, props: WebStackProps) {
    super(scope, id, props);
    const { environment } = props;
    const names = resourceNames(environment.name);
    const disposable = environment.dataRetention !== 'retain';
    const apiOrigin = `https://${props.restApiId}.execute-api.${this.region}.${this.urlSuffix}`;

    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // CloudFront standard logging delivers its files with an ACL grant.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(environment.logRetentionDays) }],
      removalPolicy: removalPolicyOf(environment),
      autoDeleteObjects: disposable,
    });
    acknowledge(
      accessLogs,
      'AwsSolutions-S1',
      'This is the access-log bucket of the web bucket and the distribution; logging it into itself would loop.',
    );

    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 's3/',
      removalPolicy: removalPolicyOf(environment),
      autoDeleteObjects: disposable,
    });

    const headers = webSecurityHeaders(apiOrigin);
    this.responseHeaders = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      responseHeadersPolicyName: `${names.stack('web')}-security-headers`,
      comment: `Security headers of the ${environment.name} B2 web front end`,
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: headers.contentSecurityPolicy, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.seconds(headers.strictTransportSecurity.maxAgeSeconds),
          includeSubdomains: headers.strictTransportSecurity.includeSubdomains,
          preload: headers.strictTransportSecurity.preload,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption[headers.frameOptions], override: true },
        referrerPolicy: {
          referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: true,
        },
        xssProtection: { protection: headers.xssProtection !== '0', override: true },
      },
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `B2 web (${environment.name})`,
      domainNames: [environment.web.domainName],
      certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', environment.web.certificateArn),
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.responseHeaders,
        compress: true,
      },
      // The front end routes in the browser: a deep link is a key S3 does not have (403 through OAC).
      errorResponses: [
        { httpStatus: 403, responseHttpStatus: 200, responsePagePath: '/index.html', ttl: Duration.seconds(0) },
      ],
      enableLogging: true,
      logBucket: accessLogs,
      logFilePrefix: 'cloudfront/',
    });
    acknowledge(this.distribution, 'AwsSolutions-CFR1', 'B2 serves people wherever they are; no country is excluded.');
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR2',
      'The distribution serves the static release files only; the API, where requests have effect, sits behind its own regional web ACL with the managed rules and the rate limit.',
    );

    this.deployRelease(environment, props);

    const webUrl = `https://${environment.web.domainName}`;
    this.webUrl = new CfnOutput(this, 'WebUrl', {
      value: webUrl,
      description: `The ${environment.name} B2 web front end (B2_WEB_URL of the verification gates)`,
    });
    new CfnOutput(this, 'DistributionDomainName', {
      value: this.distribution.distributionDomainName,
      description: `Where the DNS record of ${environment.web.domainName} points`,
    });
    new ssm.StringParameter(this, 'WebUrlParameter', {
      parameterName: names.parameter('web-url'),
      stringValue: webUrl,
      description: `The ${environment.name} B2 web front end URL`,
    });
  }

  /**
   * Copies the release into the bucket and invalidates the distribution. The copy runs in CDK's
   * BucketDeployment handler, here with a role of our own (no AWS managed policy) and a log group
   * with the environment's retention.
   */
  private deployRelease(environment: EnvironmentConfig, props: WebStackProps): void {
    const logGroup = new logs.LogGroup(this, 'ReleaseCopyLogs', {
      retention: environment.logRetentionDays as logs.RetentionDays,
      removalPolicy: removalPolicyOf(environment),
    });
    const role = new iam.Role(this, 'ReleaseCopyRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Copies the ${environment.name} B2 web release into its bucket`,
    });
    logGroup.grantWrite(role);
    const deployment = new s3deploy.BucketDeployment(this, 'Release', {
      sources: [
        s3deploy.Source.asset(props.webAssetDir),
        // Read by the front end at start-up: where its API is on AWS (locally it is the same origin).
        s3deploy.Source.jsonData('config.json', { environment: environment.name, apiUrl: props.apiUrl }),
      ],
      destinationBucket: this.bucket,
      distribution: this.distribution,
      distributionPaths: ['/*'],
      memoryLimit: 512,
      role,
      logGroup,
    });

    // The grants below are CDK's BucketDeployment handler's: it reads the release from the CDK
    // assets bucket and mirrors it into the web bucket (deleting what the release no longer has).
    const assetsBucket = `cdk-${DefaultStackSynthesizer.DEFAULT_QUALIFIER}-assets-${environment.account}-${environment.region}`;
    const webBucketArn = `<${this.getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>`;
    const copyGrants: Record<string, string> = {
      'Action::s3:GetObject*': 'It reads the release objects and their metadata.',
      'Action::s3:GetBucket*': 'It reads the location and settings of the two buckets it copies between.',
      'Action::s3:List*': 'It lists both buckets to compute the difference it mirrors.',
      'Action::s3:DeleteObject*': 'It prunes files the new release no longer has (and their versions).',
      'Action::s3:Abort*': 'It aborts its own multipart uploads of large files when a copy fails.',
      [`Resource::arn:${this.partition}:s3:::${assetsBucket}/*`]:
        'It reads the release from the CDK assets bucket, whose object keys are content hashes known only at synthesis.',
      [`Resource::${webBucketArn}/*`]: 'It replaces every object of the web bucket with the new release.',
      'Resource::*':
        'It invalidates the distribution: cloudfront:CreateInvalidation and GetInvalidation support no resource-level permissions.',
    };
    for (const [finding, why] of Object.entries(copyGrants)) {
      acknowledge(
        role.node.findChild('DefaultPolicy'),
        `AwsSolutions-IAM5[${finding}]`,
        `The web release copy: ${why}`,
      );
    }
    // The handler is a singleton function of the stack; it is the one that runs with our role.
    const handler = this.node
      .findAll()
      .find((c): c is lambda.Function => c instanceof lambda.Function && c.role === deployment.handlerRole);
    acknowledge(
      handler ?? deployment,
      'AwsSolutions-L1',
      "CDK's BucketDeployment handler: aws-cdk-lib chooses its Python runtime (no prop sets it) with the AWS CLI layer it ships, and moves both on upgrade.",
    );
  }
}
