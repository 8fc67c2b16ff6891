import { describe, expect, it } from 'vitest';
import { hasUrlCredentials, isSecretKey, MASK, maskEnv, maskEnvVar, maskValue } from '../../src/docker/secret-mask.js';

describe('isSecretKey', () => {
  it.each([
    'POSTGRES_PASSWORD', 'MYSQL_ROOT_PASSWORD', 'PGPASSWORD', 'DB_PASSWD', 'REDIS_PASS', 'DB_PWD',
    'JWT_SECRET', 'NEXTAUTH_SECRET', 'SECRET_KEY_BASE', 'CLIENTSECRET',
    'GITHUB_TOKEN', 'API_TOKEN', 'GHTOKEN',
    'API_KEY', 'OPENAI_API_KEY', 'PRIVATE_KEY', 'APP_KEY', 'AWS_SECRET_ACCESS_KEY', 'SUPABASE_SERVICE_ROLE_KEY', 'apiKey', 'stripeSecretKey',
    'SENTRY_DSN', 'DATABASE_URL', 'AZURE_STORAGE_CONNECTION_STRING',
    'GOOGLE_APPLICATION_CREDENTIALS', 'BASIC_AUTH', 'REDIS_AUTH', 'SESSION_COOKIE', 'PASSWORD_SALT', 'GPG_PASSPHRASE',
  ])('%s is secret', (key) => {
    expect(isSecretKey(key)).toBe(true);
  });

  it.each([
    // KEY, AUTH and PWD only count as whole words.
    'KEYBOARD_LAYOUT', 'KEYCLOAK_REALM', 'MONKEY_PATCH', 'AUTHOR', 'OAUTH_CLIENT_ID', 'PWD',
    // Settings about a secret are not the secret.
    'TOKEN_TTL', 'JWT_EXPIRY', 'PASSWORD_MIN_LENGTH', 'CACHE_KEY_PREFIX', 'AUTH_ENABLED', 'POSTGRES_PASSWORD_FILE', 'SSH_KEY_PATH', 'TOKEN_URL', 'SALT_ROUNDS',
    // Nothing secret at all.
    'NODE_ENV', 'PORT', 'PATH', 'ALLOWED_ORIGINS', 'TOKENIZERS_PARALLELISM', 'REDIS_URL', 'PASSENGER_APP_ENV', '',
  ])('%s is not secret by name', (key) => {
    expect(isSecretKey(key)).toBe(false);
  });
});

describe('maskValue', () => {
  it('hides URL credentials whatever the key, keeping where the URL points', () => {
    expect(maskValue('postgresql://shop:s3cr3t@db:5432/shop')).toEqual({ value: `postgresql://${MASK}@db:5432/shop`, masked: 'partial' });
    expect(maskValue('redis://:r3d1s-pw@redis:6379/0').value).toBe(`redis://${MASK}@redis:6379/0`);
    // A lone token as the user name is the usual way to put a token in a URL.
    expect(maskValue('https://ghx_abc123@github.com/acme/shop.git').value).toBe(`https://${MASK}@github.com/acme/shop.git`);
    // An unescaped @ inside the password must not leave its tail visible.
    expect(maskValue('amqp://app:p@ss@rabbit:5672/').value).toBe(`amqp://${MASK}@rabbit:5672/`);
    expect(maskValue('redis://:a@r1:6379,redis://:b@r2:6379').value).toBe(`redis://${MASK}@r1:6379,redis://${MASK}@r2:6379`);
  });

  it('hides password=… style parameters in DSNs and query strings', () => {
    expect(maskValue('host=db user=shop password=s3cr3t dbname=shop').value).toBe(`host=db user=shop password=${MASK} dbname=shop`);
    expect(maskValue('https://api.example.com/hook?x=1&token=abc&y=2').value).toBe(`https://api.example.com/hook?x=1&token=${MASK}&y=2`);
    expect(maskValue('DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=Zm9vYmFy==;EndpointSuffix=core.windows.net').value).toBe(
      `DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=${MASK};EndpointSuffix=core.windows.net`,
    );
  });

  it('hides private keys and tokens that announce themselves', () => {
    expect(maskValue('-----BEGIN OPENSSH PRIVATE KEY-----\\nb3BlbnNzaC1rZXk=')).toEqual({ value: MASK, masked: 'full' });
    expect(maskValue('ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2').masked).toBe('full');
    expect(maskValue('sk-ant-api03-' + 'x'.repeat(30)).masked).toBe('full');
    expect(maskValue('AKIAIOSFODNN7EXAMPLE').masked).toBe('full');
    expect(maskValue('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLXN0dWZm').masked).toBe('full');
  });

  it('leaves ordinary values alone', () => {
    for (const v of ['production', 'https://shop.example.com,https://www.shop.example.com', 'user@example.com', '/run/secrets/pg', 'postgres://db:5432/shop', 'design=modern']) {
      expect(maskValue(v)).toEqual({ value: v, masked: 'none' });
    }
    expect(hasUrlCredentials('postgres://db:5432/shop')).toBe(false);
    expect(hasUrlCredentials('postgres://u:p@db/shop')).toBe(true);
  });
});

describe('maskEnv', () => {
  it('uses one fixed mask that does not reveal length', () => {
    expect(maskEnvVar('API_KEY', 'x').value).toBe(MASK);
    expect(maskEnvVar('API_KEY', 'x'.repeat(200)).value).toBe(MASK);
  });

  it('keeps empty values visible: an empty required secret is worth seeing', () => {
    expect(maskEnvVar('JWT_SECRET', '')).toEqual({ key: 'JWT_SECRET', value: '', masked: 'none' });
  });

  it('splits Docker\'s KEY=value list at the first =', () => {
    expect(
      maskEnv([
        'NODE_ENV=production',
        'JWT_SECRET=a=b=c',
        'DATABASE_URL=postgresql://shop:pw@db:5432/shop',
        'CALLBACK=https://u:pw@hooks.example.com/x',
        'PASSED_THROUGH',
        'TOKEN_TTL=3600',
      ]),
    ).toEqual([
      { key: 'NODE_ENV', value: 'production', masked: 'none' },
      { key: 'JWT_SECRET', value: MASK, masked: 'full' },
      { key: 'DATABASE_URL', value: MASK, masked: 'full' },
      { key: 'CALLBACK', value: `https://${MASK}@hooks.example.com/x`, masked: 'partial' },
      { key: 'PASSED_THROUGH', value: '', masked: 'none' },
      { key: 'TOKEN_TTL', value: '3600', masked: 'none' },
    ]);
  });
});
