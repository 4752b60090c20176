/* fwpack keygen */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "crypto.h"

struct keygen_args {
	const struct fwp_cmd *cmd;
	enum fwp_curve curve;
	const char *pub;
	int force;
};

static int on_opt(const char *name, const char *arg, void *ctx)
{
	struct keygen_args *a = ctx;
	if (strcmp(name, "curve") == 0) {
		if (strcmp(arg, "p256") == 0 || strcmp(arg, "prime256v1") == 0)
			a->curve = FWP_CURVE_P256;
		else if (strcmp(arg, "secp256k1") == 0)
			a->curve = FWP_CURVE_SECP256K1;
		else
			return fwp_cli_usage_error(a->cmd, "--curve: \"%s\" is not p256 or secp256k1",
						   arg), -1;
	} else if (strcmp(name, "public") == 0) {
		a->pub = arg;
	} else if (strcmp(name, "force") == 0) {
		a->force = 1;
	}
	return 0;
}

/* "dev.pem" -> "dev.pub.pem"; "dev" -> "dev.pub.pem". */
static char *public_name(const char *priv)
{
	size_t n = strlen(priv);
	if (n > 4 && strcmp(priv + n - 4, ".pem") == 0)
		n -= 4;
	char *p = malloc(n + sizeof(".pub.pem"));
	if (p) {
		memcpy(p, priv, n);
		strcpy(p + n, ".pub.pem");
	}
	return p;
}

int fwp_cmd_keygen(const struct fwp_cmd *cmd, int argc, char **argv)
{
	struct keygen_args a = {cmd, FWP_CURVE_P256, NULL, 0};
	struct fwp_err err;
	int code;

	fwp_err_clear(&err);
	int first = fwp_cli_start(cmd, argc, argv, on_opt, &a, 1, 1, "KEYFILE", &code);
	if (first < 0)
		return code;
	char *pub = a.pub ? strdup(a.pub) : public_name(argv[first]);
	if (!pub)
		return fwp_report(&(struct fwp_err){FWP_ERR_NOMEM, "out of memory"});
	int rc = fwp_keygen(a.curve, argv[first], pub, a.force, &err);
	if (rc == FWP_OK)
		printf("wrote %s (private, %s) and %s (public)\n", argv[first],
		       fwp_curve_name(a.curve), pub);
	free(pub);
	return rc < 0 ? fwp_report(&err) : FWP_EXIT_OK;
}
